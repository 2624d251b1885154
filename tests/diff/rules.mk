# Differential tester: the host CPU as the oracle (tests/diff/diff.h).
DIFF_SRCS := tests/diff/diff.c tests/diff/gen.c tests/diff/gen-sse.c tests/diff/gen64.c \
    tests/diff/native.c tests/diff/guest.c
DIFF_OBJS := $(DIFF_SRCS:%.c=$(BUILD)/%.o)
DIFF_BIN := $(BUILD)/tests/diff/diff
DIFF_CASES ?= 300000
DIFF64_CASES ?= 300000
DIFF_MODES_CASES ?= 100000
FUZZ_SECONDS ?= 120

$(DIFF_BIN): $(DIFF_OBJS) $(LIBYL)
	$(CC) $(ALL_LDFLAGS) -o $@ $(DIFF_OBJS) $(LIBYL) $(LIBS_ALL)

# Fixed seed: the same cases every run.
check-diff: $(DIFF_BIN)
	$(DIFF_BIN) -n $(DIFF_CASES) -s 1

# 64-bit integer code in long mode (-m 64).
check-diff64: $(DIFF_BIN)
	$(DIFF_BIN) -m 64 -n $(DIFF64_CASES) -s 1

# The software CPU's switches must not change what the guest sees: each
# case runs in the default configuration and with no block cache, no
# chaining and no JIT, and the results must be identical (no host oracle).
check-diff-modes: $(DIFF_BIN)
	$(DIFF_BIN) --modes -n $(DIFF_MODES_CASES) -s 1
	$(DIFF_BIN) --modes -m 64 -n $(DIFF_MODES_CASES) -s 1

# New seeds for longer (the seed is printed so a failure can be replayed
# with: $(DIFF_BIN) -s SEED -n N).
fuzz-diff: $(DIFF_BIN)
	$(DIFF_BIN) -s 0 -t $(FUZZ_SECONDS)

# The decoder/executor fuzzer (tests/unit/test-decoder-fuzz.c) with a new
# seed, for FUZZ_SECONDS per CPU mode.
fuzz-decoder: $(BUILD)/tests/unit/test-decoder-fuzz
	YL_FUZZ_SEED=0 YL_FUZZ_SECONDS=$(FUZZ_SECONDS) CK_VERBOSITY=normal $<

fuzz: fuzz-diff fuzz-decoder
CHECK_TARGETS += check-diff check-diff64 check-diff-modes
.PHONY: check-diff check-diff64 check-diff-modes fuzz-diff fuzz-decoder
-include $(DIFF_OBJS:.o=.d)
