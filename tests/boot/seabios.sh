#!/bin/bash
# SeaBIOS (Debian's bios-256k.bin, the default firmware) with no disks must
# get through POST to its boot phase, having found the RAM it was given.
# Usage: tests/boot/seabios.sh [path/to/yinglong]
YL=${1:-build/yinglong}
BIOS=/usr/share/seabios/bios-256k.bin
LIMIT=${SEABIOS_TIMEOUT:-60}
name=seabios-boot

if [ ! -r "$BIOS" ]; then
    echo "SKIP: $name ($BIOS not installed)"
    exit 0
fi
log=$(mktemp /tmp/yl-seabios.XXXXXX)
trap 'rm -f "$log"' EXIT

# 256 MiB: SeaBIOS must report exactly this much RAM from fw_cfg etc/e820.
timeout "$LIMIT" "$YL" -m 256 -nodefaults -display none -no-reboot \
    -chardev file,id=d,path="$log" -device isa-debugcon,iobase=0x402,chardev=d \
    >/dev/null 2>&1 &
pid=$!
for _ in $(seq $((LIMIT * 5))); do
    grep -qE 'No bootable device|Boot failed' "$log" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.2
done
kill $pid 2>/dev/null
wait $pid 2>/dev/null

fail() {
    echo "FAIL: $name ($1)"
    echo "--- last lines of the SeaBIOS log:"
    tail -n 20 "$log"
    exit 1
}
grep -q '^SeaBIOS (version' "$log" || fail "no SeaBIOS banner"
grep -q 'Found QEMU fw_cfg' "$log" || fail "fw_cfg not found"
grep -qE 'qemu/e820: addr 0x0+ len 0x0+10000000 \[RAM\]' "$log" \
    || fail "RAM size 256 MiB not reported"
grep -qE '^ *[0-9]+: 0+100000 - 0+ff[0-9a-f]{5} = 1 RAM' "$log" \
    || fail "no e820 RAM entry up to ~256 MiB"
grep -q 'Booting from ' "$log" || fail "never reached the boot phase"
grep -qE 'No bootable device|Boot failed' "$log" || fail "boot phase did not finish"
echo "PASS: $name"
