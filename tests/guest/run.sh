#!/bin/bash
# run.sh EMULATOR TEST... -- run guest test programs and judge them.
#
# EMULATOR is word-split, so extra options may ride along:
#   tests/guest/run.sh "qemu-system-x86_64 -accel tcg" build/tests/guest/*.bin
# A TEST ending in .rom is a 64 KiB real-mode ROM run with -bios; anything
# else (.bin) is a multiboot kernel run with -kernel.
# A test passes when the emulator exits with status 33 (debug-exit code
# 0x10), prints a plan line "1..N", exactly N "ok" lines and no "not ok"
# line.  Each run is limited to $GUEST_TIMEOUT seconds (default 30).
# A line "; RUN-OPTS: ..." in the program's source (tests/guest/NAME.asm)
# adds those options to its command line (e.g. -smp 4).
# GUEST_LABEL=X names the results X/NAME (the same programs run twice).
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 EMULATOR TEST..." >&2
    exit 2
fi
emulator=$1
shift
timeout_s=${GUEST_TIMEOUT:-30}
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for t in "$@"; do
    name=$(basename "$t")
    name=${name%.*}
    label=${GUEST_LABEL:+$GUEST_LABEL/}$name
    case "$t" in
    *.rom) boot=(-bios "$t") ;;
    *) boot=(-kernel "$t") ;;
    esac
    src=$(dirname "$0")/$name.asm
    opts=
    [ -r "$src" ] && opts=$(sed -n 's/^; RUN-OPTS: *//p' "$src" | head -n1)
    # shellcheck disable=SC2086  # EMULATOR is meant to be word-split
    # shellcheck disable=SC2086  # so are the RUN-OPTS
    timeout "$timeout_s" $emulator -nodefaults -machine pc -m 64 $opts \
        -display none -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${boot[@]}" \
        </dev/null >"$out" 2>&1
    status=$?
    sed -i 's/\r$//' "$out"
    plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -n1)
    oks=$(grep -c '^ok ' "$out")
    nots=$(grep -c '^not ok' "$out")
    why=
    if [ "$status" -eq 124 ]; then
        why="timed out after ${timeout_s}s"
    elif [ "$status" -ne 33 ]; then
        why="exit status $status (want 33)"
    elif [ -z "$plan" ]; then
        why="no plan line"
    elif [ "$nots" -ne 0 ]; then
        why="$nots failed checks"
    elif [ "$oks" -ne "$plan" ]; then
        why="$oks ok lines, plan says $plan"
    fi
    if [ -z "$why" ]; then
        echo "PASS: $label"
        passed=$((passed + 1))
    else
        echo "FAIL: $label ($why)"
        grep '^not ok' "$out" | head -n 20 | sed 's/^/    /'
        echo "    --- last output lines:"
        tail -n 15 "$out" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done

echo "guest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
