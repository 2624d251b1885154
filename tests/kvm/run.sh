#!/bin/bash
# run.sh OUTDIR [TESTS] -- boots the outer guest (mkinitramfs.sh OUTDIR)
# under qemu-system-x86_64 -accel tcg -cpu max (OUTDIR/qemu's, from
# mkqemu.sh), whose emulated AMD SVM with nested paging gives its kernel a
# working /dev/kvm, and judges what its /init reports: every run's
# PASS:/FAIL: line, then KVM-TESTS-DONE.
# TESTS: guest, linux or guest,linux (default guest).  Environment:
#   KVM_QEMU (the outer QEMU, default OUTDIR/qemu/qemu-system-x86_64;
#   README.md, "The outer QEMU"), KVM_TIMEOUT (whole boot, default 900 s),
#   KVM_RUN_TIMEOUT (each run inside, default 120 s), KVM_SMP (1 or 1,2),
#   KVM_IRQCHIP (on,off: the kernel-irqchip settings to run), KVM_LOG
#   (the console log, default OUTDIR/console.log; with several outer
#   guests, one per guest named after it), KVM_D (-d items for every
#   Yinglong run inside, default guest_errors, which is silent in a good
#   run and names a triple fault; a failure shows the log's tail), KVM_TRACE (the
#   L1 KVM tracepoints to record in every run, e.g. kvm_exit,kvm_inj_exception;
#   a failure shows the last events), KVM_OUTER_SMP, KVM_OUTER_ACCEL
#   (-smp and -accel for every outer guest; default: plan() below),
#   KVM_OUTER_CPU (default max),
#   KVM_OUTER_APPEND (more for the outer kernel's command line), KVM_MONITOR
#   (a unix socket path for the outer QEMU's monitor, to inspect a stall),
#   KVM_SILENCE (seconds of console silence after which the outer guest
#   counts as stopped, default KVM_RUN_TIMEOUT + 60), KVM_OUTER_TRIES
#   (boots of an outer guest that stops before its report, default 2).
set -u
OUT=${1:?usage: run.sh OUTDIR [TESTS]}
TESTS=${2:-guest}
QEMU=${KVM_QEMU:-$OUT/qemu/qemu-system-x86_64}
LOG=${KVM_LOG:-$OUT/console.log}
DITEMS=${KVM_D-guest_errors}
IRQCHIPS=${KVM_IRQCHIP:-on,off}

command -v "$QEMU" >/dev/null ||
    { echo "FAIL: kvm-nested ($QEMU not found: make kvm-guest fetches it)"; exit 1; }
start=$(date +%s)
RUN_TIMEOUT=${KVM_RUN_TIMEOUT:-120}
# The guest's own watchdog reports a stalled inner run after RUN_TIMEOUT
# seconds; a console silent for longer means the outer guest itself has
# stopped (README.md, "The outer QEMU").
SILENCE=${KVM_SILENCE:-$((RUN_TIMEOUT + 60))}

# Which outer guests run what (README.md, "The outer QEMU"): the guest
# programs on one outer CPU (on two, the in-kernel irqchip's IPIs were
# now and then delivered twice); the inner Linux on two (an inner -smp 2
# needs them), on one host thread for both, except the in-kernel
# irqchip's boots, which livelock there and get one thread per CPU
# (MTTCG), which in turn broke the userspace irqchip's -smp 2 boots.
# Each line: NAME TESTS IRQCHIPS CPUS ACCEL.
plan() {
    case ",$TESTS," in *,guest,*) echo "guest guest $IRQCHIPS 1 tcg" ;; esac
    case ",$TESTS," in *,linux,*)
        for irq in $(echo "$IRQCHIPS" | tr , ' '); do
            if [ "$irq" = off ]; then echo "linux-off linux off 2 tcg,thread=single"
            else echo "linux-$irq linux $irq 2 tcg,thread=multi"
            fi
        done ;;
    esac
}

# boot LOG TESTS IRQCHIPS CPUS ACCEL: one boot of the outer guest running
# those inner tests, its console in LOG and its PASS/FAIL lines on stdout;
# a guest silent for SILENCE seconds is killed.
boot() {
    local log=$1 tests=$2 irqchips=$3 pidf=$1.pid last=-1 quiet=0 size
    rm -f "$pidf" "$log.st"
    # shellcheck disable=SC2086  # the monitor option is meant to be split
    { timeout "${KVM_TIMEOUT:-900}" "$QEMU" -accel "${KVM_OUTER_ACCEL:-$5}" \
        -cpu "${KVM_OUTER_CPU:-max}" -m 2G -smp "${KVM_OUTER_SMP:-$4}" -pidfile "$pidf" \
        -nodefaults -nographic -serial stdio -no-reboot \
        ${KVM_MONITOR:+-monitor unix:$KVM_MONITOR,server,nowait} \
        -kernel "$OUT/vmlinuz" -initrd "$OUT/initramfs.gz" \
        -append "console=ttyS0 panic=-1 quiet${KVM_OUTER_APPEND:+ $KVM_OUTER_APPEND} yl.tests=$tests yl.smp=${KVM_SMP:-1} yl.irqchip=$irqchips yl.timeout=$RUN_TIMEOUT${DITEMS:+ yl.d=$DITEMS}${KVM_TRACE:+ yl.trace=$KVM_TRACE}" \
        </dev/null; echo $? > "$log.st"; } 2>&1 | sed -u 's/\r//g' | tee "$log" |
        grep --line-buffered -E '^(PASS|FAIL|HANG|    |KVM-READY)' &
    local pid=$! why=
    while [ -z "$why" ] && kill -0 "$pid" 2>/dev/null; do
        sleep 5
        size=$(stat -c %s "$log" 2>/dev/null || echo 0)
        if [ "$size" != "$last" ]; then last=$size quiet=0; else quiet=$((quiet + 5)); fi
        [ -s "$pidf" ] || continue
        # An outer kernel that reports a CPU stuck in itself keeps printing
        # those reports: it is stopped too, not left to KVM_TIMEOUT.
        if grep -qE 'BUG: soft lockup|rcu: INFO: rcu_[a-z]* (self-)?detected stall' "$log"; then
            why="the outer kernel reports a stalled CPU"
        elif [ "$quiet" -ge "$SILENCE" ]; then
            why="the outer guest printed nothing for ${quiet}s"
        fi
    done
    if [ -n "$why" ]; then
        echo "STALL: $why: stopping it"
        kill "$(cat "$pidf")" 2>/dev/null
    fi
    wait "$pid"
}

# run_outer LOG TESTS IRQCHIPS CPUS ACCEL: an outer guest that stops
# (stall, reset) before its report is booted again, up to KVM_OUTER_TRIES
# times; a FAIL inside it is never retried.  Fails unless it reported
# KVM-TESTS-DONE.
run_outer() {
    local log=$1 tries=${KVM_OUTER_TRIES:-2}
    for try in $(seq 1 "$tries"); do
        boot "$@"
        grep -q '^KVM-TESTS-DONE' "$log" && break
        grep -q '^FAIL: ' "$log" && break
        [ "$try" -lt "$tries" ] || break
        cp "$log" "$log.$try"
        echo "RETRY: the outer guest stopped before KVM-TESTS-DONE (status $(cat "$log.st" 2>/dev/null); console in $log.$try): booting it again"
    done
    grep -q '^KVM-TESTS-DONE' "$log" && return 0
    echo "FAIL: kvm-nested (the outer guest did not finish: status $(cat "$log.st" 2>/dev/null))"
    tail -n 30 "$log" | awk '{ print "    " $0 }'     # ends a cut-off last line too
    return 1
}

# One outer guest keeps LOG; several get LOG's name with what they run
# (console.guest.log, console.linux-on.log, ...).
ok=0 logs=
n=$(plan | wc -l)
while read -r name tests irqchips cpus accel; do
    log=$LOG
    [ "$n" -gt 1 ] && log=${LOG%.log}.$name.log
    run_outer "$log" "$tests" "$irqchips" "$cpus" "$accel" </dev/null || ok=1
    logs="$logs $log"
done < <(plan)
# shellcheck disable=SC2086  # one word per log
pass=$(cat $logs | grep -c '^PASS: ')
# shellcheck disable=SC2086
fail=$(cat $logs | grep -c '^FAIL: ')
echo "kvm-nested: $pass passed, $fail failed ($(( $(date +%s) - start )) s, console in$logs)"
[ "$ok" -eq 0 ] && [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
