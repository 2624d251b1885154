# 80286 real-mode vectors (SingleStepTests subset) from ../shared/sst-80286,
# next to the repository; skipped with a message where absent.
SST_BIN := $(BUILD)/tests/sst/sst
SST_OBJS := $(BUILD)/tests/sst/sst.o
SST_DIR ?= $(abspath $(CURDIR)/../shared/sst-80286)

$(SST_BIN): $(SST_OBJS) $(LIBYL)
	$(CC) $(ALL_LDFLAGS) -o $@ $(SST_OBJS) $(LIBYL) $(LIBS_ALL)

check-sst: $(SST_BIN)
	$(SST_BIN) $(SST_DIR)

CHECK_TARGETS += check-sst
.PHONY: check-sst
-include $(SST_OBJS:.o=.d)
