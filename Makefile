# Yinglong: one non-recursive make.  Objects and binaries go to $(BUILD).
#   make                 build $(BUILD)/yinglong
#   make check           every test (unit, guest programs, differential, 80286 vectors)
#   make check-asan      the same under AddressSanitizer + UBSan (in build-asan/)
#   make fuzz            the differential tester and decoder fuzzer with new seeds
BUILD ?= build
WERROR ?= -Werror
# make V=1 shows the commands.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @echo "  $(1)	$(2)"
endif

all:

ifeq ($(wildcard $(BUILD)/config.mak),)
CONFIGURE_FLAGS ?=
$(BUILD)/config.mak:
	./configure --build-dir=$(BUILD) $(CONFIGURE_FLAGS)
endif
-include $(BUILD)/config.mak

CFLAGS_COMMON = -std=gnu11 -Wall -Wextra $(WERROR) -Wno-unused-parameter \
    -Wno-missing-field-initializers -fno-strict-aliasing \
    -Iinclude -I. -I$(BUILD) -MMD -MP -D_GNU_SOURCE
ALL_CFLAGS = $(CFLAGS_COMMON) $(OPT) $(SAN) $(LIB_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS_ALL = $(LIB_LIBS) -lm -lpthread

LIB_SRCS := $(sort $(wildcard core/*.c cpu/x86/*.c accel/tcg/*.c accel/tcg/jit/*.c hw/*.c \
    hw/*/*.c block/*.c ui/*.c monitor/*.c))
LIB_SRCS := $(filter-out core/main.c,$(LIB_SRCS))
ifeq ($(CONFIG_KVM),1)
LIB_SRCS += $(sort $(wildcard accel/kvm/*.c))
endif
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBYL := $(BUILD)/libyl.a
YINGLONG := $(BUILD)/yinglong

all: $(YINGLONG)

$(BUILD)/%.o: %.c $(BUILD)/config.mak
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBYL): $(LIB_OBJS)
	@rm -f $@
	$(call quiet,AR,$@)
	$(Q)ar rcs $@ $^

$(YINGLONG): $(BUILD)/core/main.o $(LIBYL)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

# --- unit tests (check) -------------------------------------------------
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
ifneq ($(CONFIG_KVM),1)
UNIT_SRCS := $(filter-out tests/unit/test-kvm-%.c,$(UNIT_SRCS))
endif
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBYL)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBYL) \
	    $(LIBS_ALL) $(CHECK_LIBS)

check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do CK_VERBOSITY=normal $$t; done

CHECK_TARGETS := check-unit

# Each test area adds its own rules and appends to CHECK_TARGETS.
-include tests/guest/rules.mk
-include tests/diff/rules.mk
-include tests/sst/rules.mk
-include tests/boot/rules.mk
-include tests/linux/rules.mk
-include tests/kvm/rules.mk
-include tests/bench/rules.mk

check: $(YINGLONG)
	@$(MAKE) --no-print-directory -k $(CHECK_TARGETS) BUILD=$(BUILD) \
	    2>&1 | tee $(BUILD)/check.log; \
	  st=$${PIPESTATUS[0]}; tests/summary.sh $(BUILD)/check.log; exit $$st

# The sanitizer run leaves out the Linux and nested-KVM boots, which take
# minutes each at -O0 under ASan; everything else runs.
ASAN_CHECK_TARGETS = check-unit check-guest check-diff check-diff64 check-sst check-boot
check-asan:
	$(MAKE) BUILD=build-asan CONFIGURE_FLAGS="--enable-sanitizers --enable-debug" \
	    CHECK_TARGETS="$(ASAN_CHECK_TARGETS)" check

clean:
	rm -rf $(BUILD)

.PHONY: all check check-unit check-asan clean fuzz bench
SHELL := /bin/bash
.DELETE_ON_ERROR:
-include $(LIB_OBJS:.o=.d) $(BUILD)/core/main.d
