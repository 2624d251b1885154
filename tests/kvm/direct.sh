#!/bin/bash
# direct.sh YINGLONG LINUX_KIT PROGRAM... -- check-kvm's part on this host's
# own /dev/kvm: the guest programs under kernel-irqchip=on and off, then
# the direct Linux boots with -smp 1 and 2 under each (tests/linux/boot.sh).
# Without a /dev/kvm to open, or with one that VT-x/AMD-V does not back
# (PVM: yinglong refuses it, accel/kvm/kvm-host.c), it says so and passes:
# check-kvm's nested runs are then the only KVM tests.
# LINUX_FLAGS for the boots come from the environment (rules.mk).
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 YINGLONG LINUX_KIT PROGRAM..." >&2
    exit 2
fi
yl=$1 kit=$2
shift 2
if ! [ -c /dev/kvm ] || ! [ -w /dev/kvm ]; then
    echo "check-kvm: no usable /dev/kvm on this host: nested runs only"
    exit 0
fi
# yinglong's own verdict on this KVM, which comes before the kernel is
# loaded: the line it refuses it with, else the empty kernel's complaint.
why=$(timeout 30 "$yl" -accel kvm -nodefaults -machine pc -m 16 -display none \
      -kernel /dev/null 2>&1 | grep -m1 'not hardware-assisted')
if [ -n "$why" ]; then
    echo "check-kvm: ${why#yinglong: kvm: }: nested runs only"
    exit 0
fi
st=0
for irq in on off; do
    GUEST_LABEL=kvm-irqchip-$irq tests/guest/run.sh \
        "$yl -accel kvm -machine pc,kernel-irqchip=$irq" "$@" || st=1
    for n in 1 2; do
        LINUX_KIT=$kit LINUX_TAG=kvm-irqchip-$irq \
        LINUX_EMU_ARGS="-accel kvm -machine pc,kernel-irqchip=$irq" \
            bash tests/linux/boot.sh "$yl" direct cloud "$n" || st=1
    done
done
exit $st
