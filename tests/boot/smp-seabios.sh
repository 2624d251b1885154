#!/bin/bash
# SeaBIOS starts the APs with INIT/SIPI/SIPI and counts those that ran its
# start-up code: with -smp N it must report "Found N cpu(s)", and each AP
# must have reported its own APIC ID (1..N-1).
# Usage: tests/boot/smp-seabios.sh [path/to/yinglong]
YL=${1:-build/yinglong}
BIOS=/usr/share/seabios/bios-256k.bin
LIMIT=${SEABIOS_TIMEOUT:-60}

if [ ! -r "$BIOS" ]; then
    echo "SKIP: smp-seabios ($BIOS not installed)"
    exit 0
fi
log=$(mktemp /tmp/yl-smp-seabios.XXXXXX)
trap 'rm -f "$log"' EXIT

st=0
for n in 2 4; do
    name=smp-seabios-$n
    : >"$log"
    timeout "$LIMIT" "$YL" -m 128 -smp "$n" -nodefaults -display none -no-reboot \
        -chardev file,id=d,path="$log" -device isa-debugcon,iobase=0x402,chardev=d \
        >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq $((LIMIT * 5))); do
        grep -qE 'cpu\(s\)|No bootable device|Boot failed' "$log" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.2
    done
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    why=
    if ! grep -q "^Found $n cpu(s)" "$log"; then
        why="no 'Found $n cpu(s)' line"
    else
        for id in $(seq 1 $((n - 1))); do
            grep -q "handle_smp: apic_id=0x$(printf %x "$id")\$" "$log" \
                || why="AP with APIC ID $id did not report"
        done
    fi
    if [ -z "$why" ]; then
        echo "PASS: $name"
    else
        echo "FAIL: $name ($why)"
        echo "--- last lines of the SeaBIOS log:"
        tail -n 20 "$log"
        st=1
    fi
done
exit $st
