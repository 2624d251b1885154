#!/bin/bash
# -cpu: the command line and what a guest's CPUID then shows.
#   cpu-help           -cpu help lists the models and flags, exit 0
#   cpu-bad-model      -cpu nonsense: one error line naming it, exit 1
#   cpu-bad-flag       -cpu max,-nosuchflag: likewise
#   cpu-unimplemented  -cpu max,+avx: the software CPU has no AVX, exit 1
#   cpu-host-tcg       -cpu host without KVM: "needs -accel kvm", exit 1
#   cpu-guest-*        tests/boot/cpuid-dump.asm as a -kernel under a model:
#                      CPUID leaves 1, 7 and 80000001h as the model says
#                      (max: 7.edx has arch_capabilities, IA32_ARCH_CAPABILITIES)
# Usage: tests/boot/cpu-model.sh [path/to/yinglong]
YL=${1:-${YINGLONG:-build/yinglong}}
LIMIT=${BOOT_TIMEOUT:-30}
here=$(dirname "$0")
dir=$(mktemp -d /tmp/yl-cpumodel.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail=0

pass() { echo "PASS: $1"; }
flunk() {
    echo "FAIL: $1 ($2)"
    [ -f "$dir/out" ] && { echo "--- output:"; tail -n 12 "$dir/out"; }
    fail=1
}

# cli NAME WANT-STATUS WANT-TEXT ARGS...: runs the emulator, which must end
# with WANT-STATUS and print WANT-TEXT (stdout+stderr).
cli() {
    local name=$1 want=$2 text=$3
    shift 3
    timeout "$LIMIT" "$YL" "$@" </dev/null >"$dir/out" 2>&1
    local st=$?
    if [ "$st" != "$want" ]; then
        flunk "$name" "exit status $st, expected $want"
    elif ! grep -qF -- "$text" "$dir/out"; then
        flunk "$name" "no '$text' in the output"
    elif [ "$want" = 1 ] && [ "$(wc -l <"$dir/out")" != 1 ]; then
        flunk "$name" "the error is not one line"
    else
        pass "$name"
    fi
}

cli cpu-help 0 "x86-64-v1" -cpu help
grep -q "sse4_2" "$dir/out" && grep -q "^  max " "$dir/out" && grep -q "^  host " "$dir/out" \
    || flunk cpu-help-list "models or flags missing from -cpu help"
cli cpu-bad-model 1 "unknown CPU model 'nonsense'" -cpu nonsense
cli cpu-bad-flag 1 "unknown CPU flag 'nosuchflag'" -cpu max,-nosuchflag
cli cpu-unimplemented 1 "'avx'" -nodefaults -display none -cpu max,+avx
cli cpu-host-tcg 1 "-cpu host needs -accel kvm" -nodefaults -display none -cpu host

if ! command -v nasm >/dev/null; then
    echo "SKIP: cpu-guest (nasm not installed)"
    exit $fail
fi
nasm -f bin -I"$here/../guest/" -o "$dir/dump.bin" "$here/cpuid-dump.asm" || exit 1

# guest NAME CPU KEY=VALUE...: boots the dump under -cpu CPU; each KEY
# (e.g. 1.ecx&0x100000) masked as given must equal VALUE.
guest() {
    local name=$1 cpu=$2
    shift 2
    rm -f "$dir/out"
    timeout "$LIMIT" "$YL" -nodefaults -m 64 -display none -serial file:"$dir/out" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cpu "$cpu" \
        -kernel "$dir/dump.bin" </dev/null >"$dir/err" 2>&1
    local st=$?
    if [ "$st" != 33 ]; then
        flunk "$name" "exit status $st, expected 33: $(tail -n1 "$dir/err")"
        return
    fi
    for kv in "$@"; do
        local key=${kv%%=*} want=${kv#*=} reg mask=0xffffffff got
        reg=${key%%&*}
        [ "$reg" != "$key" ] && mask=${key#*&}
        got=$(sed -n "s/^# $reg 0x\([0-9a-f]*\)\r*$/\1/p" "$dir/out")
        if [ -z "$got" ] || (( (0x$got & mask) != want )); then
            flunk "$name" "$key: got 0x${got:-none}, expected $want"
            return
        fi
    done
    pass "$name"
}

SSE42=$((1 << 20)); POPCNT=$((1 << 23)); LM=$((1 << 29)); NX=$((1 << 20)); CX16=$((1 << 13))
ARCHCAP=$((1 << 29))    # 7.edx: IA32_ARCH_CAPABILITIES
# max is family 6 model 26 (0x1a): Linux keeps PAT on Intel family 6 only
# from model 15 on.
guest cpu-guest-max max 1.eax=0x106a5 "1.ecx&$SSE42=$SSE42" "1.ecx&$CX16=$CX16" \
    "80000001h.edx&$LM=$LM" 7.edx=$ARCHCAP
guest cpu-guest-minus 'max,-sse4.2,lm=off,-arch_capabilities' "1.ecx&$SSE42=0" \
    "1.ecx&$POPCNT=$POPCNT" "80000001h.edx&$LM=0" "80000001h.edx&$NX=$NX" 7.edx=0
guest cpu-guest-v1 x86-64-v1 1.eax=0x6f6 1.ecx=0 1.edx=0x0789bb7d 7.ebx=0 7.ecx=0 7.edx=0 \
    80000001h.ecx=0 80000001h.edx=0x20100800
guest cpu-guest-qemu64 qemu64 1.eax=0x6f6 1.ecx=$((1 | CX16)) 80000001h.ecx=1
exit $fail
