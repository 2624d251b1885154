# Benchmarks (issue 5): included by the top Makefile; not part of make check.
#   make bench          guest loops and Linux workloads, Yinglong against
#                       qemu-system-x86_64 -accel tcg (several minutes)
#   make bench-loops    only the guest MIPS loops (tests/bench/loops.asm)
#   make bench-linux    only the Linux workloads (needs make linux-guest)
# BENCH_ARGS passes options to tests/bench/bench.py (--repeat N, --only alu,mem,
# --modes 32, --clock wall, ...); BENCH_KIT the Linux kit (default
# $(BUILD)/linux, which make linux-guest builds).
BENCH_ARGS ?=
BENCH_KIT ?= $(BUILD)/linux
BENCH_QEMU ?= qemu-system-x86_64 -accel tcg
BENCH_PY = python3 tests/bench/bench.py --yinglong $(YINGLONG) --build $(BUILD) \
    --qemu "$(BENCH_QEMU)" --kit $(BENCH_KIT) $(BENCH_ARGS)

bench-loops: $(YINGLONG)
	$(BENCH_PY) loops

# The kit is only built when BENCH_KIT is the default place.
bench-linux: $(YINGLONG) $(if $(filter $(BUILD)/linux,$(BENCH_KIT)),linux-guest)
	$(BENCH_PY) linux

bench: bench-loops bench-linux

.PHONY: bench bench-loops bench-linux
