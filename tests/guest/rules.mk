# Guest programs: included by the top Makefile.
#   make check-guest        run every tests/guest/*.asm under $(YINGLONG)
#   make check-guest-interp the same under the interpreter (-accel tcg,jit=off)
#   make check-guest-qemu   the same programs under qemu-system-x86_64 (TCG),
#                           to validate the tests against a reference
# Programs that include lib/rm.inc become 64 KiB ROMs (.rom, run with
# -bios); the others are multiboot kernels (.bin, run with -kernel).

NASM ?= nasm
QEMU_X86 ?= qemu-system-x86_64 -accel tcg
GUEST_DIR := tests/guest
GUEST_OUT := $(BUILD)/tests/guest
GUEST_SRCS := $(sort $(wildcard $(GUEST_DIR)/*.asm))
GUEST_ROM_SRCS := $(shell grep -l 'lib/rm\.inc' $(GUEST_SRCS) /dev/null)
GUEST_KERNEL_SRCS := $(filter-out $(GUEST_ROM_SRCS),$(GUEST_SRCS))
GUEST_PROGS := $(GUEST_ROM_SRCS:$(GUEST_DIR)/%.asm=$(GUEST_OUT)/%.rom) \
    $(GUEST_KERNEL_SRCS:$(GUEST_DIR)/%.asm=$(GUEST_OUT)/%.bin)
GUEST_LIBS := $(wildcard $(GUEST_DIR)/lib/*.inc)
# The reference runs use builds with -DQEMU_TCG, where checks marked
# TCG_KNOWN (SDM behaviour QEMU's TCG lacks) only report a TODO.
GUEST_QEMU_PROGS := $(subst $(GUEST_OUT)/,$(GUEST_OUT)/qemu/,$(GUEST_PROGS))

$(GUEST_OUT)/%.rom: $(GUEST_DIR)/%.asm $(GUEST_LIBS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I$(GUEST_DIR)/ -o $@ $<

$(GUEST_OUT)/%.bin: $(GUEST_DIR)/%.asm $(GUEST_LIBS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I$(GUEST_DIR)/ -o $@ $<

$(GUEST_OUT)/qemu/%.rom: $(GUEST_DIR)/%.asm $(GUEST_LIBS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -DQEMU_TCG -I$(GUEST_DIR)/ -o $@ $<

$(GUEST_OUT)/qemu/%.bin: $(GUEST_DIR)/%.asm $(GUEST_LIBS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -DQEMU_TCG -I$(GUEST_DIR)/ -o $@ $<

guest-progs: $(GUEST_PROGS)

check-guest: $(YINGLONG) $(GUEST_PROGS)
	$(GUEST_DIR)/run.sh $(YINGLONG) $(GUEST_PROGS)

# The same programs under the interpreter, the JIT's reference.
check-guest-interp: $(YINGLONG) $(GUEST_PROGS)
	GUEST_LABEL=interp $(GUEST_DIR)/run.sh "$(YINGLONG) -accel tcg,jit=off" $(GUEST_PROGS)

check-guest-qemu: $(GUEST_QEMU_PROGS)
	$(GUEST_DIR)/run.sh "$(QEMU_X86)" $(GUEST_QEMU_PROGS)

CHECK_TARGETS += check-guest check-guest-interp
.PHONY: guest-progs check-guest check-guest-interp check-guest-qemu
