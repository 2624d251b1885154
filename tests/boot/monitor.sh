#!/bin/bash
# The human monitor on a unix socket, against a machine running SeaBIOS
# (no disk: it ends up waiting, interrupts on, to retry the boot):
#   info pci        lists the i440FX (00:00.0 8086:1237), PIIX3 ISA
#                   (00:01.0 8086:7000), PIIX IDE (00:01.1 8086:7010, its
#                   bus-master BAR4 in I/O space as SeaBIOS placed it) and
#                   PIIX4 PM (00:01.3 8086:7113, IRQ 9)
#   info registers  the CPU state, with A20=1
#   info mtree      the memory map, with the BIOS ROM at the top of 4 GiB
#   stop / cont     the BIOS tick count (BDA 0x46c, read with `xp`) stands
#                   still while stopped and runs again after `cont`
#   a bad command   answered with an error, and the monitor keeps serving
#   system_reset    SeaBIOS starts over (a second banner on debugcon)
#   quit            the process ends with status 0
# Usage: tests/boot/monitor.sh [path/to/yinglong]
YL=${1:-${YINGLONG:-build/yinglong}}
LIMIT=${BOOT_TIMEOUT:-60}
name=monitor-seabios
[ -r /usr/share/seabios/bios-256k.bin ] || { echo "SKIP: $name (seabios not installed)"; exit 0; }
command -v python3 >/dev/null || { echo "SKIP: $name (python3 needed)"; exit 0; }

dir=$(mktemp -d /tmp/yl-monitor.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() {
    echo "FAIL: $name ($1)"
    [ -f "$dir/py.log" ] && tail -n 20 "$dir/py.log"
    echo "--- SeaBIOS log:"; tail -n 8 "$dir/bios.log" 2>/dev/null
    exit 1
}

timeout "$LIMIT" "$YL" -nodefaults -display none -m 64 \
    -chardev file,id=dbg,path="$dir/bios.log" -device isa-debugcon,iobase=0x402,chardev=dbg \
    -monitor unix:"$dir/mon.sock",server,nowait </dev/null >"$dir/err" 2>&1 &
pid=$!
for _ in $(seq $((LIMIT * 10))); do
    grep -q 'No bootable device' "$dir/bios.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || fail "emulator exited early: $(head -c 300 "$dir/err")"
    sleep 0.1
done
grep -q 'No bootable device' "$dir/bios.log" || fail "SeaBIOS did not finish its boot attempts"

python3 - "$dir" >"$dir/py.log" 2>&1 <<'PY' || fail "monitor check failed"
import re, socket, sys, time
d = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.connect(d + "/mon.sock")
s.settimeout(20)
buf = b""
PROMPT = b"(yinglong) "
def read_prompt():
    global buf
    while PROMPT not in buf:
        x = s.recv(65536)
        if not x:
            raise SystemExit("monitor closed early")
        buf += x
    out, buf = buf.split(PROMPT, 1)
    return out.decode(errors="replace").replace("\r", "")
def cmd(c):
    s.sendall(c.encode() + b"\n")
    out = read_prompt()
    print("(yinglong) %s\n%s" % (c, out))
    return out
def need(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)
read_prompt()

pci = cmd("info pci")
funcs = {}
for m in re.finditer(r"Bus +0, device +(\d+), function (\d):\n((?: {4}.*\n?)*)", pci):
    funcs[(int(m.group(1)), int(m.group(2)))] = m.group(3)
for (dev, fn), ids in {(0, 0): "8086:1237", (1, 0): "8086:7000",
                       (1, 1): "8086:7010", (1, 3): "8086:7113"}.items():
    need((dev, fn) in funcs and ids in funcs[(dev, fn)],
         "info pci: no %s at 00:%02x.%d" % (ids, dev, fn))
need(re.search(r"BAR4: I/O at 0x[0-9a-f]+ \[0x[0-9a-f]+\]", funcs[(1, 1)]),
     "info pci: the IDE bus-master BAR4 is not an assigned I/O BAR")
need("IRQ 9" in funcs[(1, 3)], "info pci: PM function not on IRQ 9")

regs = cmd("info registers")
for r in ("EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP", "EIP", "EFL", "CR0"):
    need(re.search(r"\b%s=[0-9a-f]{8}\b" % r, regs), "info registers: no %s" % r)
need(re.search(r"\bCS =[0-9a-f]{4} [0-9a-f]{8}", regs), "info registers: no CS")
need("A20=1" in regs, "info registers: A20 not on")

mtree = cmd("info mtree")
need(re.search(r"0*fffc0000-0*ffffffff", mtree), "info mtree: no BIOS at the top of 4 GiB")

def ticks():
    out = cmd("xp /1xw 0x46c")
    m = re.search(r"0*46c: 0x([0-9a-f]{8})", out)
    need(m, "xp: unexpected output")
    return int(m.group(1), 16)
cmd("stop")
t0 = ticks()
time.sleep(0.6)
t1 = ticks()
need(t0 == t1, "the BIOS tick count moved while stopped (%d -> %d)" % (t0, t1))
cmd("cont")
time.sleep(0.6)
t2 = ticks()
need(t2 > t1, "the BIOS tick count did not run after cont (%d -> %d)" % (t1, t2))

bad = cmd("frobnicate 1 2")
need(bad.strip() != "" and ("unknown" in bad or "error" in bad.lower()),
     "no error for a bad command")
need("EIP=" in cmd("info registers"), "the monitor stopped serving after a bad command")

banners = open(d + "/bios.log", errors="replace").read().count("SeaBIOS (version")
cmd("system_reset")
for _ in range(200):
    if open(d + "/bios.log", errors="replace").read().count("SeaBIOS (version") > banners:
        break
    time.sleep(0.1)
else:
    raise SystemExit("FAILED: SeaBIOS did not start again after system_reset")
s.sendall(b"quit\n")
try:
    while s.recv(65536):
        pass
except OSError:
    pass
PY

for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "quit did not end the emulator"
wait "$pid"
st=$?
pid=
[ "$st" = 0 ] || fail "exit status $st after quit"
echo "PASS: $name"
