# Debian Linux guests (issue 4): included by the top Makefile.
#   make linux-guest        assemble the guest kit in $(LINUX_KIT) from Debian
#                           packages (tests/linux/mkguest.sh; cached)
#   make check-linux        boot it with $(YINGLONG): direct and SeaBIOS, both
#                           kernel flavours, -smp 1 and 2 (8 boots)
#   make check-linux-qemu   the same boots under QEMU (TCG, -cpu max): checks
#                           the kit and the tests themselves
#   make run-linux          interactive busybox shell on the terminal
#                           (LINUX_EMU=qemu-system-x86_64 to use QEMU)
# check-linux is part of make check (8 boots, about a minute each).

LINUX_KIT := $(BUILD)/linux
LINUX_KINDS := direct seabios
LINUX_FLAVOURS := amd64 cloud
LINUX_SMPS := 1 2
LINUX_QEMU := qemu-system-x86_64
LINUX_QEMU_ARGS := -accel tcg -cpu max
LINUX_EMU ?= $(YINGLONG)

# mkguest.sh decides itself whether the cached kit is current.
linux-guest:
	@bash tests/linux/mkguest.sh $(LINUX_KIT)

# $(1): emulator, $(2): its extra arguments.
define linux_boots
	@st=0; for k in $(LINUX_KINDS); do for f in $(LINUX_FLAVOURS); do \
	  for n in $(LINUX_SMPS); do \
	    LINUX_KIT=$(LINUX_KIT) LINUX_EMU_ARGS="$(2)" \
	      bash tests/linux/boot.sh $(1) $$k $$f $$n || st=1; \
	  done; done; done; exit $$st
endef

check-linux: $(YINGLONG) linux-guest
	$(call linux_boots,$(YINGLONG),)

check-linux-qemu: linux-guest
	$(call linux_boots,$(LINUX_QEMU),$(LINUX_QEMU_ARGS))

# -nographic: the serial console is the terminal; Ctrl-A X quits (both
# emulators), and `poweroff -f` or leaving the shell powers the guest off.
# The cloud kernel: LZ4-compressed, it starts faster than the generic one.
run-linux: linux-guest $(if $(filter $(YINGLONG),$(LINUX_EMU)),$(YINGLONG))
	$(LINUX_EMU) $(if $(filter $(LINUX_QEMU),$(notdir $(LINUX_EMU))),$(LINUX_QEMU_ARGS)) \
	    -nographic -m 512 -no-reboot \
	    -kernel $(LINUX_KIT)/vmlinuz-cloud -initrd $(LINUX_KIT)/initrd.gz \
	    -append "console=ttyS0 yl.shell=1"

CHECK_TARGETS += check-linux
.PHONY: linux-guest check-linux check-linux-qemu run-linux
