# The KVM accelerator's tests (issue 6): included by the top Makefile.
#   make kvm-guest       the outer guest for the nested test in $(KVM_OUT):
#                        Debian's cloud kernel, its kvm modules, yinglong
#                        with its libraries, the guest programs, the Linux
#                        kit; and the outer QEMU (kvm-qemu, tests/kvm/mkqemu.sh)
#   make check-kvm       boots it under that qemu-system-x86_64 -accel tcg -cpu max
#                        (emulated AMD SVM gives its kernel /dev/kvm) and runs
#                        the guest programs and the inner Linux with
#                        -accel kvm, kernel-irqchip on and off; where this
#                        host has a hardware-assisted /dev/kvm, the guest
#                        programs and the Linux boots (direct, -smp 1 and 2)
#                        run here too (tests/kvm/direct.sh)
#   make check-kvm-guest the guest-program part alone (in make check)
# Guest programs are the -DQEMU_TCG builds: inside the nested setup QEMU's
# TCG executes the innermost guest's instructions.
# KVM_GUESTS: the programs known to pass under the nested KVM; the others
# are printed as SKIP lines (tests/kvm/README.md says why each fails).

KVM_OUT := $(BUILD)/kvm
KVM_GUESTS ?= hello irq paging pmode-basic pmode-priv realmode smc smp vm86 x87 apic strings \
    high64 long
KVM_GUEST_PROGS := $(filter $(KVM_GUESTS:%=$(GUEST_OUT)/qemu/%.bin) \
    $(KVM_GUESTS:%=$(GUEST_OUT)/qemu/%.rom),$(GUEST_QEMU_PROGS))
KVM_HOST_PROGS := $(filter $(KVM_GUESTS:%=$(GUEST_OUT)/%.bin) \
    $(KVM_GUESTS:%=$(GUEST_OUT)/%.rom),$(GUEST_PROGS))
KVM_GUEST_SKIP := $(filter-out $(KVM_GUESTS),$(basename $(notdir $(GUEST_PROGS))))

# The direct Linux boots' flags: what every x86-64 kernel needs; the rest
# of -cpu max comes from the host CPU and the irqchip setting.
KVM_LINUX_FLAGS := fpu de pse tsc msr pae cx8 apic sep pge cmov fxsr sse sse2 syscall nx lm

KVM_REGS_PROG := $(KVM_OUT)/regs.bin
# tests/kvm's own guest programs, run and judged like the others.
KVM_OWN_PROGS := $(KVM_OUT)/progs/reset.bin

# The `info registers` check's guest; -DQEMU_TCG like the others.
$(KVM_REGS_PROG): tests/kvm/regs.asm $(GUEST_LIBS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -DQEMU_TCG -I$(GUEST_DIR)/ -o $@ $<

$(KVM_OUT)/progs/%.bin: tests/kvm/%.asm $(GUEST_LIBS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -DQEMU_TCG -I$(GUEST_DIR)/ -o $@ $<

# Always reassembled (about 10 s): the program list may change with KVM_GUESTS.
$(KVM_OUT)/initramfs.gz: $(YINGLONG) $(KVM_GUEST_PROGS) $(KVM_OWN_PROGS) $(KVM_REGS_PROG) tests/kvm/init \
    tests/kvm/mkinitramfs.sh kvm-initramfs-force | linux-guest
	@echo "  GEN	$@"
	$(Q)KVM_REGS_PROG=$(KVM_REGS_PROG) bash tests/kvm/mkinitramfs.sh $(KVM_OUT) \
	    $(LINUX_KIT) $(YINGLONG) $(KVM_GUEST_PROGS) $(KVM_OWN_PROGS)

# The outer QEMU (Debian's backports suite; tests/kvm/README.md, "The
# outer QEMU"): fetched once, kept in $(KVM_OUT)/qemu.
kvm-qemu:
	@bash tests/kvm/mkqemu.sh $(KVM_OUT)

kvm-guest: $(KVM_OUT)/initramfs.gz kvm-qemu

define kvm_skips
	@for s in $(KVM_GUEST_SKIP); do echo "SKIP: kvm/$$s (not in KVM_GUESTS)"; done
endef

check-kvm-guest: $(KVM_OUT)/initramfs.gz kvm-qemu
	$(call kvm_skips)
	@bash tests/kvm/run.sh $(KVM_OUT) guest

check-kvm: $(KVM_OUT)/initramfs.gz kvm-qemu $(KVM_HOST_PROGS)
	$(call kvm_skips)
	@st=0; LINUX_FLAGS="$(KVM_LINUX_FLAGS)" bash tests/kvm/direct.sh $(YINGLONG) $(LINUX_KIT) \
	    $(KVM_HOST_PROGS) || st=1; \
	KVM_SMP=$${KVM_SMP:-1,2} KVM_RUN_TIMEOUT=300 KVM_TIMEOUT=1800 bash tests/kvm/run.sh $(KVM_OUT) guest,linux || st=1; \
	exit $$st

CHECK_TARGETS += check-kvm-guest
.PHONY: kvm-guest kvm-qemu check-kvm check-kvm-guest kvm-initramfs-force
