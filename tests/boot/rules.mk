# Boots of real firmware: included by the top Makefile.
#   make check-boot     run every tests/boot/*.sh against $(YINGLONG)
# Each script takes the emulator's path as $1, prints PASS:/FAIL:/SKIP:
# lines and exits non-zero on failure; add a script to add a test.
# lib.sh holds what they share (sourced, not run).

BOOT_TESTS := $(filter-out tests/boot/lib.sh,$(sort $(wildcard tests/boot/*.sh)))

check-boot: $(YINGLONG)
	@st=0; for t in $(BOOT_TESTS); do bash $$t $(YINGLONG) || st=1; done; exit $$st

CHECK_TARGETS += check-boot
.PHONY: check-boot
