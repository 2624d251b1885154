#!/bin/bash
# ACPI S5 power-off must end the emulator with exit status 0:
#   acpi-poweroff-direct   tests/boot/acpi-poweroff.asm as a -kernel
#                          (multiboot, no firmware): the guest maps the PIIX4
#                          PM block itself where the FADT says, reads SLP_TYP
#                          from the DSDT's \_S5 and writes it with SLP_EN to
#                          PM1a_CNT
#   acpi-poweroff-seabios  the same guest started by SeaBIOS -> SYSLINUX ->
#                          mboot.c32 from a FAT disk: here SeaBIOS has mapped
#                          the PM block and built the tables
#   apm-poweroff-syslinux  SYSLINUX's poweroff.c32: APM "set power state
#                          off", which SeaBIOS carries out by writing S5 to
#                          the FADT's PM1a_CNT
# Usage: tests/boot/poweroff.sh [path/to/yinglong]
# YL_BOOT_EMU=qemu-system-x86_64 runs the same guests under QEMU.
YL=${1:-${YINGLONG:-build/yinglong}}
EMU=${YL_BOOT_EMU:-$YL}
LIMIT=${BOOT_TIMEOUT:-60}
here=$(dirname "$0")
MODS=/usr/lib/syslinux/modules/bios
dir=$(mktemp -d /tmp/yl-poweroff.XXXXXX)
trap 'rm -rf "$dir"' EXIT

if ! command -v nasm >/dev/null; then
    echo "SKIP: acpi-poweroff (nasm not installed)"
    exit 0
fi

. "$here/lib.sh"

# judge_guest NAME PMBA-LINE: the guest's plan, all checks ok, the S5 write
# reached, and the process gone with status 0 right after it.
judge_guest() {
    local name=$1 pmba=$2 out=$dir/$1.out plan oks
    plan=$(sed -n 's/^1\.\.\([0-9]*\)\r*$/\1/p' "$out" | head -n1)
    oks=$(grep -c '^ok ' "$out")
    if [ "$st_run" = 124 ]; then
        why="timed out: the S5 write did not power off"
    elif grep -q '^not ok' "$out"; then
        why="a check failed"
    elif [ -z "$plan" ] || [ "$oks" != "$plan" ]; then
        why="$oks checks ok, plan ${plan:-missing}"
    elif ! grep -q "$pmba" "$out"; then
        why="expected '$pmba'"
    elif ! grep -q '^# S5: writing' "$out"; then
        why="the guest never wrote PM1a_CNT"
    elif [ "$st_run" != 0 ]; then
        why="exit status $st_run, not 0"
    else
        why=
    fi
    report "$name" "$why"
}

st=0
nasm -f bin -I"$here/../guest/" -o "$dir/acpi.bin" "$here/acpi-poweroff.asm" || exit 1
boot acpi-poweroff-direct -machine pc -kernel "$dir/acpi.bin"
# QEMU starts a -kernel through SeaBIOS, which maps the block first.
direct_pmba="^# PMBA: unmapped"
[ -n "$YL_BOOT_EMU" ] && direct_pmba="^# PMBA: "
judge_guest acpi-poweroff-direct "$direct_pmba" || st=1

# mkdisk IMAGE CONFIG FILES...: SYSLINUX on an unpartitioned FAT16 disk
mkdisk() {
    local img=$1 cfg=$2
    shift 2
    truncate -s 8M "$img"
    mkfs.fat -F 16 -s 1 -n YLOFF "$img" >/dev/null || return 1
    printf '%s\n' "$cfg" >"$dir/syslinux.cfg"
    MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$dir/syslinux.cfg" "$@" ::/ || return 1
    syslinux --install "$img"
}

if [ ! -r /usr/share/seabios/bios-256k.bin ]; then
    echo "SKIP: acpi-poweroff-seabios (seabios not installed)"
    echo "SKIP: apm-poweroff-syslinux (seabios not installed)"
elif ! command -v syslinux >/dev/null || ! command -v mcopy >/dev/null ||
     ! command -v mkfs.fat >/dev/null || [ ! -r "$MODS/mboot.c32" ]; then
    echo "SKIP: acpi-poweroff-seabios (syslinux, syslinux-common, mtools, dosfstools needed)"
    echo "SKIP: apm-poweroff-syslinux (syslinux, syslinux-common, mtools, dosfstools needed)"
else
    hdr=$'SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT go\nLABEL go'
    if mkdisk "$dir/mb.img" "$hdr"$'\n  KERNEL mboot.c32\n  APPEND acpi.bin' \
        "$MODS/mboot.c32" "$MODS/libcom32.c32" "$dir/acpi.bin"; then
        boot acpi-poweroff-seabios -drive file="$dir/mb.img",format=raw,if=ide -snapshot
        judge_guest acpi-poweroff-seabios "^# PMBA: mapped by the firmware" || st=1
    else
        echo "FAIL: acpi-poweroff-seabios (could not build the disk)"; st=1
    fi
    if mkdisk "$dir/off.img" "$hdr"$'\n  COM32 poweroff.c32' \
        "$MODS/poweroff.c32" "$MODS/libcom32.c32"; then
        boot apm-poweroff-syslinux -drive file="$dir/off.img",format=raw,if=ide -snapshot
        why=
        if ! grep -q '^SYSLINUX 6' "$dir/apm-poweroff-syslinux.out"; then
            why="SYSLINUX did not start"
        elif grep -qi 'fail\|not supported' "$dir/apm-poweroff-syslinux.out"; then
            why="poweroff.c32 reported a failure"
        elif [ "$st_run" = 124 ]; then
            why="timed out: APM power-off did not end the emulator"
        elif [ "$st_run" != 0 ]; then
            why="exit status $st_run, not 0"
        fi
        report apm-poweroff-syslinux "$why" || st=1
    else
        echo "FAIL: apm-poweroff-syslinux (could not build the disk)"; st=1
    fi
fi
exit $st
