#!/bin/bash
# smp.sh [YINGLONG] -- what running vCPUs in parallel gains: the wall time
# of tests/bench/smp-work.asm (the same ALU loop on every CPU) with -smp 1
# and -smp 2, under Yinglong (round-robin in one thread) and, when
# installed, qemu-system-x86_64 with one thread for all vCPUs
# (thread=single) and one per vCPU (thread=multi).  Not in make check.
# WORK (loop count per CPU; QEMU gets 8x, it runs the loop ~8x faster) and
# REPEAT may be set in the environment.
set -u
YL=${1:-build/yinglong}
WORK=${WORK:-100000000}
REPEAT=${REPEAT:-2}
dir=$(mktemp -d /tmp/yl-smp-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
src=$(dirname "$0")/smp-work.asm
nasm -f bin -I"$(dirname "$0")/../guest/" -DWORK="$WORK" -o "$dir/yl.bin" "$src" || exit 1
nasm -f bin -I"$(dirname "$0")/../guest/" -DWORK=$((WORK * 8)) -o "$dir/q.bin" "$src" || exit 1

# run NAME BIN EMULATOR...: one timed run; prints seconds or "failed"
run() {
    local bin=$1; shift
    local s e
    s=$(date +%s.%N)
    # shellcheck disable=SC2086
    timeout 300 "$@" -nodefaults -machine pc -m 64 -display none -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$bin" >"$dir/out" 2>&1
    local st=$?
    e=$(date +%s.%N)
    if [ $st -ne 33 ]; then echo failed; return; fi
    echo "$e - $s" | bc
}

line() {
    local name=$1; shift
    local t=()
    for _ in $(seq "$REPEAT"); do t+=("$(run "$@")"); done
    printf '%-36s %s\n' "$name" "${t[*]}"
}

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work per CPU: $WORK iterations (QEMU: $((WORK * 8))); seconds per run:"
for n in 1 2; do
    line "yinglong -smp $n (round-robin)" "$dir/yl.bin" "$YL" -smp "$n"
done
if command -v qemu-system-x86_64 >/dev/null; then
    for n in 1 2; do
        for t in single multi; do
            line "qemu tcg,thread=$t -smp $n" "$dir/q.bin" qemu-system-x86_64 \
                -accel tcg,thread=$t -smp "$n"
        done
    done
fi
