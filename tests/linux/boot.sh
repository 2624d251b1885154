#!/bin/bash
# Boots the Linux test guest (built by mkguest.sh) and checks what its /init
# reports on the serial console.
# Usage: tests/linux/boot.sh EMULATOR KIND FLAVOUR SMP
#   EMULATOR  path of yinglong or qemu-system-x86_64; extra arguments for it
#             (e.g. "-accel tcg -cpu max") come from $LINUX_EMU_ARGS
#   KIND      direct (-kernel/-initrd/-append) or seabios (raw IDE disk)
#   FLAVOUR   amd64 or cloud (linux-image-6.1.0-N-amd64 / -cloud-amd64)
#   SMP       number of vCPUs
# Environment: LINUX_KIT (default build/linux), LINUX_TIMEOUT (seconds,
# default 300), LINUX_FLAGS (CPU flags the guest must report), LINUX_PTI
# (off: page table isolation must stay off; any: not checked; default off
# except for QEMU and -accel kvm, where the host CPU decides), LINUX_TAG
# (a prefix for the test's name, e.g. kvm-irqchip-on).
# Prints PASS: linux-KIND-FLAVOUR-smpN or FAIL: ... with the guest's last 30
# console lines; exits non-zero on failure.
set -u
EMU=${1:?usage: boot.sh EMULATOR direct|seabios amd64|cloud SMP}
KIND=${2:?}; FLAVOUR=${3:?}; SMP=${4:?}
KIT=${LINUX_KIT:-build/linux}
LIMIT=${LINUX_TIMEOUT:-300}
# Every x86-64 kernel needs these; Linux refuses to boot without them.
# What Yinglong's default -cpu max advertises, as Linux names it (QEMU's
# TCG -cpu max has all of these too but tsc_deadline_timer: its local
# APIC has no TSC-deadline mode).
# pat is there only while Linux takes the CPU for one without the PAT
# erratum (Intel family 6 from model 15 on).
FLAGS="fpu de pse tsc msr pae cx8 apic sep mtrr pge cmov pat clflush mmx fxsr
  sse sse2 syscall nx pdpe1gb rdtscp lm pni ssse3 cx16 sse4_1 sse4_2 movbe popcnt
  tsc_deadline_timer xsave lahf_lm abm"
[[ $(basename "$EMU") == qemu* ]] && FLAGS=${FLAGS/ tsc_deadline_timer/}
FLAGS=${LINUX_FLAGS:-$FLAGS}
# Yinglong's CPU does not speculate and says so in IA32_ARCH_CAPABILITIES
# (RDCL_NO: not affected by Meltdown), so Linux leaves page table isolation
# off: its CR3 switch on every kernel entry would flush the software TLB.
PTI=${LINUX_PTI:-off}
[[ $(basename "$EMU") == qemu* || " ${LINUX_EMU_ARGS:-} " == *kvm* ]] && PTI=${LINUX_PTI:-any}
name="${LINUX_TAG:+$LINUX_TAG/}linux-$KIND-$FLAVOUR-smp$SMP"

case $KIND/$FLAVOUR in
direct/amd64|direct/cloud)
    boot=(-kernel "$KIT/vmlinuz-$FLAVOUR" -initrd "$KIT/initrd.gz"
          -append "console=ttyS0 panic=-1")
    files=("$KIT/vmlinuz-$FLAVOUR" "$KIT/initrd.gz") ;;
seabios/amd64|seabios/cloud)
    # -snapshot: the guest never writes the disk, but it must stay pristine.
    boot=(-drive "file=$KIT/disk-$FLAVOUR.img,format=raw,if=ide" -snapshot)
    files=("$KIT/disk-$FLAVOUR.img") ;;
*)
    echo "FAIL: $name (unknown kind/flavour)"; exit 2 ;;
esac
for f in "${files[@]}"; do
    [ -r "$f" ] || { echo "FAIL: $name ($f missing: make linux-guest)"; exit 1; }
done

log=$(mktemp /tmp/yl-linux.XXXXXX)
fifo="$log.fifo"
trap 'rm -f "$log" "$fifo"' EXIT

# Each console line gets the host time it arrived at, so the guest's
# `sleep 5` can be measured against the host clock.
stamp() {
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"
    done
}

# A guest that can never finish (a panic, a kernel that refuses the CPU)
# is stopped a few seconds after saying so, not left to the timeout.
FATAL='Kernel panic|Unable to boot|YL-FAIL:'
mkfifo "$fifo"
stamp < "$fifo" > "$log" &
spid=$!
# shellcheck disable=SC2086
timeout -k 10 "$LIMIT" "$EMU" ${LINUX_EMU_ARGS:-} -nodefaults -nographic \
    -serial stdio -m 512 -smp "$SMP" -no-reboot "${boot[@]}" \
    </dev/null > "$fifo" 2>&1 &
epid=$!
stopped='' killer=''
while kill -0 $epid 2>/dev/null; do
    if [ -z "$stopped" ] && grep -aqE "$FATAL" "$log"; then
        stopped=1
        (sleep 5; kill $epid 2>/dev/null) &
        killer=$!
    fi
    sleep 0.5
done
wait $epid
st=$?
[ -z "$killer" ] || kill $killer 2>/dev/null
wait $spid

fail() {
    echo "FAIL: $name ($1)"
    echo "--- last 30 console lines ($EMU, exit status $st):"
    tail -n 30 "$log" | cut -d' ' -f2- |
        sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/^/  | /'
    exit 1
}
marker() { grep -a -m1 " $1" "$log" | cut -d' ' -f2-; }
at() { grep -a -m1 " $1\$" "$log" | cut -d' ' -f1; }

grep -aq 'Kernel panic' "$log" && fail "kernel panic"
grep -aq 'Unable to boot' "$log" && fail "the kernel refused to boot"
[ "$st" = 124 ] || [ "$st" = 137 ] && fail "timed out after ${LIMIT}s"
[ -n "$(marker YL-BEGIN:)" ] || fail "never reached /init"
f=$(marker YL-FAIL:); [ -z "$f" ] || fail "guest check failed: ${f#YL-FAIL: }"
flags=" $(marker YL-FLAGS:) "
[ "$flags" != "  " ] || fail "no CPU flags reported"
for x in $FLAGS; do
    [[ $flags == *" $x "* ]] || fail "CPU flag $x missing from /proc/cpuinfo"
done
if [ "$PTI" = off ]; then
    [[ $flags == *" arch_capabilities "* ]] || fail "CPU flag arch_capabilities missing"
    if [[ $flags == *" pti "* ]] || grep -aq 'page tables isolation: enabled' "$log"; then
        fail "Linux enabled page table isolation (it takes the CPU for Meltdown-affected)"
    fi
fi
# With MTRRs enabled, Linux programs its own PAT layout (WC in entry 1).
# SeaBIOS sets the MTRRs up; the direct boot's loader does it in its place.
grep -aq 'x86/PAT: Configuration \[0-7\]: WB  WC  UC- UC' "$log" ||
    fail "PAT not enabled: $(grep -a -m1 -E 'x86/PAT|MTRRs' "$log" | cut -d' ' -f2-)"
# Both leave the PCI hole uncacheable in variable range 0.
[[ "$(marker YL-MTRR:)" == "YL-MTRR: reg00: base="*uncachable* ]] ||
    fail "MTRRs as Linux reads them: '$(marker YL-MTRR:)'"
[ "$(marker YL-CPUINFO-CPUS:)" = "YL-CPUINFO-CPUS: $SMP" ] ||
    fail "/proc/cpuinfo lists $(marker YL-CPUINFO-CPUS:), want $SMP"
[ "$(marker YL-NPROC:)" = "YL-NPROC: $SMP" ] ||
    fail "nproc says '$(marker YL-NPROC:)', want $SMP"
[ -n "$(marker 'YL-FILE: ok')" ] || fail "file write/read back"
[ "$(marker YL-FORK:)" = "YL-FORK: ok 100" ] || fail "fork/exec loop"
t0=$(at YL-SLEEP-BEGIN); t1=$(at YL-SLEEP-END)
if [ -z "$t0" ] || [ -z "$t1" ]; then
    fail "sleep markers missing"
fi
slept=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
awk -v s="$slept" 'BEGIN { exit !(s >= 4.5 && s <= 5.5) }' ||
    fail "sleep 5 took ${slept}s of host time (want 5 +- 0.5)"
[ -n "$(marker YL-DONE)" ] || fail "no YL-DONE"
[ "$st" = 0 ] || fail "exit status $st after power-off, want 0"
echo "PASS: $name (sleep 5 = ${slept}s)"
