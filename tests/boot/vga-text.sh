#!/bin/bash
# SeaBIOS with its VGA BIOS, no disk: once SeaBIOS has printed its banner
# (seen on debugcon 0x402), the monitor on a unix socket reads the text
# buffer at 0xb8000 (`xp`), which must hold "SeaBIOS", and takes a
# `screendump`, which must be a valid 720x400 PNG whose cells are lit exactly
# where that row of the text buffer has characters.  Then `quit` must end
# the process with status 0.
#   tests/boot/vga-text.sh [path/to/yinglong]   (default: $YINGLONG or build/yinglong)
name=vga-text
yl=${1:-${YINGLONG:-build/yinglong}}
fail() { echo "FAIL: $name: $*"; exit 1; }
[ -x "$yl" ] || fail "no emulator at $yl"
skip() { echo "SKIP: $name ($*)"; exit 0; }
[ -r /usr/share/seabios/bios-256k.bin ] || skip "SeaBIOS not installed"
[ -r /usr/share/seabios/vgabios-isavga.bin ] || skip "VGA BIOS not installed"
command -v python3 >/dev/null || skip "python3 is needed to talk to the monitor"

tmp=$(mktemp -d /tmp/yl-vga-text.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$yl" -nodefaults -vga std -display none -m 64 \
    -chardev file,id=dbg,path="$tmp/debug.log" -device isa-debugcon,iobase=0x402,chardev=dbg \
    -monitor unix:"$tmp/mon.sock",server,nowait >"$tmp/stdout" 2>&1 &
pid=$!

for _ in $(seq $((${VGA_TEXT_TIMEOUT:-60} * 10))); do
    grep -q "No bootable device\|Booting from" "$tmp/debug.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || fail "emulator exited early: $(head -c 300 "$tmp/stdout")"
    sleep 0.1
done
grep -q "Booting from" "$tmp/debug.log" || fail "SeaBIOS did not reach its boot attempts"
grep -q "Start SeaVGABIOS" "$tmp/debug.log" || fail "the VGA BIOS did not run"

python3 - "$tmp" <<'PY' || fail "monitor or screen check failed (see above)"
import re, socket, struct, sys, time, zlib
tmp = sys.argv[1]

def session(cmds):
    s = socket.socket(socket.AF_UNIX)
    s.connect(tmp + "/mon.sock")
    s.settimeout(20)
    out = b""
    def until(tok):
        nonlocal out
        while tok not in out:
            d = s.recv(65536)
            if not d:
                raise SystemExit("monitor closed early: %r" % out[-200:])
            out += d
    until(b"(yinglong) ")
    for c in cmds:
        n = out.count(b"(yinglong) ")
        s.sendall(c.encode() + b"\n")
        if c == "quit":
            break
        while out.count(b"(yinglong) ") <= n:
            d = s.recv(65536)
            if not d:
                raise SystemExit("monitor closed early")
            out += d
    s.close()
    return out.decode(errors="replace").replace("\r", "")

out = session(["xp/4000bx 0xb8000", "screendump %s/shot.png" % tmp, "quit"])
vals = []
for line in out.splitlines():
    m = re.match(r"(?:\(yinglong\) )?00000000000b[89a-f][0-9a-f]{3}:((?: 0x[0-9a-f]{2})+)$", line)
    if m:
        vals += [int(v, 16) for v in m.group(1).split()]
if len(vals) != 4000:
    raise SystemExit("xp gave %d bytes, not 4000: %r" % (len(vals), out[:300]))
chars = bytes(vals[0::2])
text = chars.decode("latin-1")
rows = [text[i * 80:(i + 1) * 80] for i in range(25)]
banner = [i for i, r in enumerate(rows) if "SeaBIOS" in r]
if not banner:
    raise SystemExit("no 'SeaBIOS' in the text buffer:\n" + "\n".join(rows))
if "error" in out.lower() or "could not" in out:
    raise SystemExit("screendump failed: " + out)

png = open(tmp + "/shot.png", "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n":
    raise SystemExit("screendump is not a PNG")
pos, idat, ihdr = 8, b"", None
while pos < len(png):
    ln, typ = struct.unpack(">I4s", png[pos:pos + 8])
    data = png[pos + 8:pos + 8 + ln]
    crc, = struct.unpack(">I", png[pos + 8 + ln:pos + 12 + ln])
    if zlib.crc32(typ + data) != crc:
        raise SystemExit("bad CRC in chunk %r" % typ)
    if typ == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", data)
    elif typ == b"IDAT":
        idat += data
    pos += 12 + ln
w, h = ihdr[0], ihdr[1]
if (w, h) != (720, 400) or ihdr[2:4] != (8, 2):
    raise SystemExit("PNG is %dx%d depth %d type %d, not 720x400 RGB" % (w, h, ihdr[2], ihdr[3]))
raw = zlib.decompress(idat)
stride = 1 + 3 * w
def lit(x, y):
    p = y * stride + 1 + 3 * x
    return raw[p] + raw[p + 1] + raw[p + 2] > 96
if not any(lit(x, y) for y in range(h) for x in range(0, w, 3)):
    raise SystemExit("the screen is blank")
# Render check: on the banner's row, a 9x16 cell is lit iff it holds a glyph.
r = banner[0]
for c, ch in enumerate(rows[r]):
    on = any(lit(c * 9 + dx, r * 16 + dy) for dx in range(9) for dy in range(16))
    if on != (ch not in " \0\xff"):
        raise SystemExit("cell (%d,%d) %r is %s on the screen" % (r, c, ch, "lit" if on else "dark"))
print("banner on row %d: %s" % (r, rows[r].rstrip()))
PY

for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "quit did not end the emulator"
wait "$pid"
st=$?
pid=
[ "$st" = 0 ] || fail "exit status $st after quit"
echo "PASS: $name"
