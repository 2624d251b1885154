#!/bin/bash
# Triple faults: with -no-reboot the emulator exits with status 0; without
# it the machine resets and the firmware starts again.
#   triple-no-reboot-pm       tests/boot/triple-pm.asm as a -kernel: empty
#                             IDT + INT3 in protected mode, -no-reboot
#   triple-no-reboot-seabios  tests/boot/triple.asm as the boot sector of a
#                             raw disk booted by SeaBIOS: empty IDT + UD2 in
#                             real mode, -no-reboot
#   triple-reset-seabios      the same disk without -no-reboot: SeaBIOS must
#                             run its POST again and boot the sector a second
#                             time, which sees its boot count in CMOS NVRAM
#                             and exits through isa-debug-exit (status 33)
# Usage: tests/boot/reset.sh [path/to/yinglong]
# YL_BOOT_EMU=qemu-system-x86_64 runs the same guests under QEMU.
YL=${1:-${YINGLONG:-build/yinglong}}
EMU=${YL_BOOT_EMU:-$YL}
LIMIT=${BOOT_TIMEOUT:-60}
here=$(dirname "$0")
dir=$(mktemp -d /tmp/yl-reset.XXXXXX)
trap 'rm -rf "$dir"' EXIT

if ! command -v nasm >/dev/null; then
    echo "SKIP: triple-fault (nasm not installed)"
    exit 0
fi

. "$here/lib.sh"

# status_why EXPECTED: why $st_run is wrong, or nothing
status_why() {
    if [ "$st_run" = 124 ]; then
        echo "timed out"
    elif [ "$st_run" != "$1" ]; then
        echo "exit status $st_run, not $1"
    fi
}

st=0
nasm -f bin -I"$here/../guest/" -o "$dir/triple-pm.bin" "$here/triple-pm.asm" || exit 1
boot triple-no-reboot-pm -machine pc -kernel "$dir/triple-pm.bin" -no-reboot
out=$dir/triple-no-reboot-pm.out
why=$(status_why 0)
if grep -q '^not ok' "$out"; then
    why="the guest survived the fault or a check failed"
elif ! grep -q '^ok 1 ' "$out" || ! grep -q '^# triple fault:' "$out"; then
    why="the guest did not reach the fault"
fi
report triple-no-reboot-pm "$why" || st=1

if [ ! -r /usr/share/seabios/bios-256k.bin ]; then
    echo "SKIP: triple-no-reboot-seabios (seabios not installed)"
    echo "SKIP: triple-reset-seabios (seabios not installed)"
    exit $st
fi
nasm -f bin -o "$dir/triple.bin" "$here/triple.asm" || exit 1
truncate -s 1M "$dir/disk.img"
dd if="$dir/triple.bin" of="$dir/disk.img" conv=notrunc status=none

boot triple-no-reboot-seabios -drive file="$dir/disk.img",format=raw,if=ide -snapshot -no-reboot
out=$dir/triple-no-reboot-seabios.out
why=$(status_why 0)
if grep -q 'not ok\|boot 2' "$out"; then
    why="the guest ran on after the triple fault"
elif ! grep -q '^triple: boot 1' "$out"; then
    why="the boot sector did not run"
fi
report triple-no-reboot-seabios "$why" || st=1

boot triple-reset-seabios -drive file="$dir/disk.img",format=raw,if=ide -snapshot
out=$dir/triple-reset-seabios.out
log=$dir/triple-reset-seabios.bios
why=$(status_why 33)
if grep -q 'not ok' "$out"; then
    why="the guest ran on after the triple fault"
elif ! grep -q '^triple: boot 1' "$out" || ! grep -q '^triple: boot 2 after reset' "$out"; then
    why="the boot sector did not run twice"
elif [ "$(grep -c '^Booting from Hard Disk' "$log")" != 2 ]; then
    why="SeaBIOS booted the disk $(grep -c '^Booting from Hard Disk' "$log") times, not 2"
elif ! sed -n '/^Booting from Hard Disk/,$p' "$log" | grep -q '^SeaBIOS (version'; then
    why="SeaBIOS did not run its POST again after the reset"
fi
report triple-reset-seabios "$why" || st=1
exit $st
