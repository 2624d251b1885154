#!/bin/bash
# Real bootloaders from Debian packages, booted by SeaBIOS (the default
# firmware), must reach their `boot:` prompt:
#   isolinux-cd     ISOLINUX on an El Torito no-emulation CD made with xorriso
#                   (packages isolinux + syslinux-common)
#   syslinux-disk   SYSLINUX on a FAT16 partition of a raw MBR disk, behind
#                   syslinux-common's mbr.bin; written with mkfs.fat, mtools
#                   and `syslinux --offset`, nothing mounted
# Both read the same config: SERIAL 0, PROMPT 1, TIMEOUT 0 and a SAY line.
# Checked three ways:
#   - the serial console shows the loader's banner and `boot:`;
#   - the monitor (unix socket) reads the VGA text buffer with `xp`, which
#     must hold the banner, the SAY text and `boot:`, and takes a
#     `screendump`, a valid 720x400 PNG whose SAY row is lit exactly in the
#     cells holding characters;
#   - `sendkey` types a label that does not exist at the prompt (PS/2
#     keyboard -> INT 16h -> the loader), whose refusal must appear on the
#     serial console; then `quit` ends the process with status 0.
# Usage: tests/boot/bootloader.sh [path/to/yinglong]
# YL_BOOT_EMU=qemu-system-x86_64 runs the same images under QEMU.
YL=${1:-${YINGLONG:-build/yinglong}}
EMU=${YL_BOOT_EMU:-$YL}
LIMIT=${BOOT_TIMEOUT:-60}
SAY_TEXT="Yinglong bootloader test SAY-7f3a"
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
BIOS_MODS=/usr/lib/syslinux/modules/bios
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin

skip() { echo "SKIP: $1 ($2)"; }
[ -r /usr/share/seabios/bios-256k.bin ] || { skip bootloader "seabios not installed"; exit 0; }
command -v python3 >/dev/null || { skip bootloader "python3 is needed to talk to the monitor"; exit 0; }

dir=$(mktemp -d /tmp/yl-bootloader.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

cat >"$dir/loader.cfg" <<CFG
SERIAL 0 115200
PROMPT 1
TIMEOUT 0
SAY $SAY_TEXT
LABEL never
  LINUX /no-such-kernel
CFG

# make_iso: ISOLINUX with its config, -boot-info-table as isolinux.bin needs.
make_iso() {
    mkdir -p "$dir/iso/isolinux"
    cp "$ISOLINUX_BIN" "$BIOS_MODS/ldlinux.c32" "$dir/iso/isolinux/" || return 1
    cp "$dir/loader.cfg" "$dir/iso/isolinux/isolinux.cfg"
    xorriso -as mkisofs -quiet -o "$dir/cd.iso" -b isolinux/isolinux.bin \
        -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
        "$dir/iso" >"$dir/xorriso.log" 2>&1
}

le32() {
    local v=$1
    printf "\\x$(printf %02x $((v & 255)))\\x$(printf %02x $(((v >> 8) & 255)))"
    printf "\\x$(printf %02x $(((v >> 16) & 255)))\\x$(printf %02x $(((v >> 24) & 255)))"
}

# make_disk: 16 MiB, one active FAT16 (LBA, type 0x0e) partition from LBA 2048.
make_disk() {
    local img=$dir/disk.img start=2048 count=$((15 * 2048))
    truncate -s 16M "$img"
    dd if="$MBR_BIN" of="$img" bs=440 count=1 conv=notrunc status=none || return 1
    { printf '\x80\xfe\xff\xff\x0e\xfe\xff\xff'; le32 $start; le32 $count
      head -c 48 /dev/zero; printf '\x55\xaa'; } |
        dd of="$img" bs=1 seek=446 conv=notrunc status=none
    # -h: the hidden-sector count is how the VBR finds its partition.
    mkfs.fat -F 16 -n YLBOOT --offset $start -h $start "$img" $((count / 2)) \
        >"$dir/mkfs.log" 2>&1 || return 1
    MTOOLS_SKIP_CHECK=1 mcopy -i "$img@@$((start * 512))" "$dir/loader.cfg" \
        ::/syslinux.cfg || return 1
    syslinux --offset $((start * 512)) --install "$img"
}

# check NAME LOADER EMULATOR-ARGS...: one boot, judged as described above.
check() {
    local name=$1 loader=$2
    shift 2
    local out=$dir/$name.serial sock=$dir/$name.sock
    rm -f "$out"
    timeout "$LIMIT" $EMU -nodefaults -vga std -display none -m 64 \
        -serial file:"$out" -monitor unix:"$sock",server,nowait \
        -chardev file,id=dbg,path="$dir/$name.bios" \
        -device isa-debugcon,iobase=0x402,chardev=dbg "$@" \
        </dev/null >"$dir/$name.err" 2>&1 &
    pid=$!
    local why=
    for _ in $(seq $((LIMIT * 10))); do
        grep -q 'boot: ' "$out" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { why="emulator exited early"; break; }
        sleep 0.1
    done
    if [ -z "$why" ]; then
        if ! grep -q "^$loader 6\.[0-9]*.*Copyright" "$out" 2>/dev/null; then
            why="no $loader banner on the serial console"
        elif ! grep -q 'boot: ' "$out"; then
            why="no boot: prompt on the serial console"
        elif ! python3 - "$dir" "$name" "$loader" "$SAY_TEXT" <<'PY' >"$dir/$name.py" 2>&1; then
import re, socket, struct, sys, time, zlib
tmp, name, loader, say = sys.argv[1:5]

qemu = False   # QEMU's monitor (YL_BOOT_EMU) writes PPM unless told PNG

def session(cmds):
    global qemu
    s = socket.socket(socket.AF_UNIX)
    s.connect("%s/%s.sock" % (tmp, name))
    s.settimeout(20)
    out = b""
    while b"(yinglong) " not in out and b"(qemu) " not in out:
        d = s.recv(65536)
        if not d:
            raise SystemExit("monitor closed early")
        out += d
    prompt = b"(yinglong) " if b"(yinglong) " in out else b"(qemu) "
    qemu = prompt == b"(qemu) "
    for c in cmds:
        n = out.count(prompt)
        s.sendall(c.encode() + b"\n")
        if c == "quit":
            try:            # until the emulator closes the connection
                while s.recv(65536):
                    pass
            except OSError:
                pass
            break
        while out.count(prompt) <= n:
            d = s.recv(65536)
            if not d:
                raise SystemExit("monitor closed early after %r" % c)
            out += d
    s.close()
    return out.decode(errors="replace").replace("\r", "")

def text_rows():
    out = session(["xp /4000bx 0xb8000"])
    vals = []
    for line in out.splitlines():
        m = re.search(r"00000000000b[89a-f][0-9a-f]{3}:((?: 0x[0-9a-f]{2})+)\s*$", line)
        if m:
            vals += [int(v, 16) for v in m.group(1).split()]
    if len(vals) != 4000:
        raise SystemExit("xp gave %d bytes, not 4000: %r" % (len(vals), out[:300]))
    text = bytes(vals[0::2]).decode("latin-1")
    return [text[i * 80:(i + 1) * 80] for i in range(25)]

rows = text_rows()
screen = "\n".join(r.rstrip() for r in rows).rstrip()
def row_of(what):
    hits = [i for i, r in enumerate(rows) if what in r]
    if not hits:
        raise SystemExit("%r is not in the text buffer:\n%s" % (what, screen))
    return hits[0]
b, s, p = row_of(loader + " 6."), row_of(say), row_of("boot:")
if not b < s < p:
    raise SystemExit("banner, SAY and prompt out of order:\n" + screen)

shot = "%s/%s.png" % (tmp, name)
out = session(["screendump " + shot + (" -f png" if qemu else "")])
for _ in range(50):     # QEMU writes it at its next display refresh
    try:
        png = open(shot, "rb").read()
        if len(png) > 8:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    raise SystemExit("no screendump file: " + out[-300:])
if png[:8] != b"\x89PNG\r\n\x1a\n":
    raise SystemExit("screendump is not a PNG: " + out)
pos, idat, ihdr = 8, b"", None
while pos < len(png):
    ln, typ = struct.unpack(">I4s", png[pos:pos + 8])
    data = png[pos + 8:pos + 8 + ln]
    crc, = struct.unpack(">I", png[pos + 8 + ln:pos + 12 + ln])
    if zlib.crc32(typ + data) != crc:
        raise SystemExit("bad CRC in PNG chunk %r" % typ)
    if typ == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", data)
    elif typ == b"IDAT":
        idat += data
    pos += 12 + ln
if ihdr is None or (ihdr[0], ihdr[1]) != (720, 400) or ihdr[2:4] != (8, 2):
    raise SystemExit("PNG header %r, not 720x400 8-bit RGB" % (ihdr,))
w = ihdr[0]
raw = zlib.decompress(idat)
if len(raw) != 400 * (1 + 3 * w):
    raise SystemExit("PNG data is %d bytes" % len(raw))
def lit(x, y):
    p = y * (1 + 3 * w) + 1 + 3 * x
    return raw[p] + raw[p + 1] + raw[p + 2] > 96
for c, ch in enumerate(rows[s]):
    on = any(lit(c * 9 + dx, s * 16 + dy) for dx in range(9) for dy in range(16))
    if on != (ch not in " \0\xff"):
        raise SystemExit("SAY row %d col %d %r is %s in the screendump"
                         % (s, c, ch, "lit" if on else "dark"))

# Type a label that does not exist; the loader echoes it and refuses it.
keys = ["n", "o", "l", "a", "b", "e", "l", "ret"]
session(["sendkey " + k for k in keys])
for _ in range(100):
    ser = open("%s/%s.serial" % (tmp, name), "rb").read().decode("latin-1")
    if re.search(r"boot: nolabel.*\n.*Loading nolabel\.\.\. failed", ser, re.S):
        break
    time.sleep(0.1)
else:
    raise SystemExit("typed label not refused on the serial console:\n" + ser[-400:])
session(["quit"])
print("text screen:\n" + screen)
PY
            why="monitor check failed: $(tail -n 15 "$dir/$name.py")"
        fi
    fi
    if [ -z "$why" ]; then
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            why="quit did not end the emulator"
        else
            wait "$pid"
            local st=$?
            [ "$st" = 0 ] || why="exit status $st after quit"
        fi
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
    if [ -z "$why" ]; then
        echo "PASS: $name"
        return 0
    fi
    echo "FAIL: $name ($why)"
    echo "--- serial:"; tail -n 8 "$out" 2>/dev/null
    echo "--- emulator:"; tail -n 5 "$dir/$name.err"
    echo "--- SeaBIOS log:"; tail -n 10 "$dir/$name.bios" 2>/dev/null
    return 1
}

st=0
if [ ! -r "$ISOLINUX_BIN" ] || [ ! -r "$BIOS_MODS/ldlinux.c32" ]; then
    skip isolinux-cd "packages isolinux and syslinux-common needed"
elif ! command -v xorriso >/dev/null; then
    skip isolinux-cd "xorriso not installed"
elif ! make_iso; then
    echo "FAIL: isolinux-cd (xorriso could not build the image)"; cat "$dir/xorriso.log"; st=1
else
    check isolinux-cd ISOLINUX -drive file="$dir/cd.iso",format=raw,if=ide,index=1,media=cdrom \
        -boot order=d,menu=off || st=1
fi

if [ ! -r "$MBR_BIN" ]; then
    skip syslinux-disk "package syslinux-common needed"
elif ! command -v syslinux >/dev/null || ! command -v mcopy >/dev/null ||
     ! command -v mkfs.fat >/dev/null; then
    skip syslinux-disk "packages syslinux, mtools and dosfstools needed"
elif ! make_disk; then
    echo "FAIL: syslinux-disk (could not build the disk image)"; cat "$dir/mkfs.log"; st=1
else
    check syslinux-disk SYSLINUX -drive file="$dir/disk.img",format=raw,if=ide,index=0 \
        -snapshot || st=1
fi
exit $st
