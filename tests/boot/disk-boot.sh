#!/bin/bash
# SeaBIOS boots tests/boot/bootsect.asm from an IDE hard disk (raw image)
# and from an El Torito no-emulation CD (made with xorriso); the boot
# sector reads more sectors through INT 13h, checks them and reports on
# COM1, then exits through isa-debug-exit (status 1 = all checks passed).
# Usage: tests/boot/disk-boot.sh [path/to/yinglong]
# YL_BOOT_EMU="qemu-system-x86_64" runs the same images under QEMU.
YL=${1:-build/yinglong}
EMU=${YL_BOOT_EMU:-$YL}
LIMIT=${BOOT_TIMEOUT:-60}
here=$(dirname "$0")
dir=$(mktemp -d /tmp/yl-diskboot.XXXXXX)
trap 'rm -rf "$dir"' EXIT

if ! command -v nasm >/dev/null; then
    echo "SKIP: disk-boot (nasm not installed)"
    exit 0
fi

# pattern FILE FIRST_LBA COUNT: sector n holds the dwords (n << 16 | k)
pattern() {
    perl -e 'my ($f, $first, $n) = @ARGV;
        open(my $fh, "+<", $f) or die; binmode $fh;
        for my $s ($first .. $first + $n - 1) {
            seek($fh, $s * 512, 0);
            print $fh pack("V*", map { (($s & 0xffff) << 16) | $_ } 0 .. 127);
        }' "$@"
}

# run NAME EMULATOR-ARGS...: boots and judges one image
run() {
    local name=$1
    shift
    local out=$dir/$name.out
    timeout "$LIMIT" $EMU -nodefaults -m 32 -display none -serial file:"$out" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot \
        -chardev file,id=dbg,path="$dir/$name.bios" \
        -device isa-debugcon,iobase=0x402,chardev=dbg "$@" </dev/null >"$dir/$name.err" 2>&1
    local st=$?
    if [ $st -eq 1 ] && grep -q 'bootsect: all reads ok' "$out"; then
        echo "PASS: $name"
        return 0
    fi
    echo "FAIL: $name (exit status $st)"
    echo "--- serial:"; tail -n 10 "$out"
    echo "--- emulator:"; tail -n 5 "$dir/$name.err"
    echo "--- SeaBIOS log:"; tail -n 15 "$dir/$name.bios"
    return 1
}

st=0
nasm -f bin -o "$dir/disk.bin" "$here/bootsect.asm" || exit 1
truncate -s 8M "$dir/disk.img"
dd if="$dir/disk.bin" of="$dir/disk.img" conv=notrunc status=none
pattern "$dir/disk.img" 1 2
pattern "$dir/disk.img" 5000 4
# lba3_written IMAGE: sector 3 starts with the boot code (the guest's write)
lba3_written() {
    cmp -s -n 256 <(dd if="$1" bs=512 skip=3 count=1 status=none) \
        <(dd if="$1" bs=512 count=1 status=none)
}
if run disk-boot-hda-snapshot -hda "$dir/disk.img" -snapshot -boot c; then
    lba3_written "$dir/disk.img" && { echo "FAIL: disk-snapshot (the image was written)"; st=1; }
else
    st=1
fi
if run disk-boot -drive file="$dir/disk.img",format=raw,if=ide,index=0,cache=writethrough; then
    lba3_written "$dir/disk.img" || { echo "FAIL: disk-write (not in the image)"; st=1; }
else
    st=1
fi

if command -v xorriso >/dev/null; then
    mkdir -p "$dir/iso"
    nasm -f bin -DCDROM -o "$dir/iso/boot.img" "$here/bootsect.asm" || exit 1
    echo "Yinglong CD boot test" >"$dir/iso/readme.txt"
    xorriso -as mkisofs -quiet -o "$dir/cd.iso" -b boot.img -no-emul-boot \
        -boot-load-size 4 "$dir/iso" >/dev/null 2>&1 || { echo "FAIL: cd-boot (xorriso)"; exit 1; }
    run cd-boot -drive file="$dir/cd.iso",format=raw,if=ide,index=1,media=cdrom \
        -boot order=d,menu=off || st=1
    run cd-boot-cdrom-after-disk -hda "$dir/disk.img" -cdrom "$dir/cd.iso" -snapshot \
        -boot d || st=1
else
    echo "SKIP: cd-boot (xorriso not installed)"
fi
exit $st
