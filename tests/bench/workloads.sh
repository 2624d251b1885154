#!/bin/sh
# The Linux benchmark's workloads, run by busybox sh both inside the guest
# (from tests/bench/init) and natively on the host (bench.py), so the two
# run the same commands of the same busybox binary.
# Usage: workloads.sh DIR BINDIR
#   DIR     a tmpfs directory for the data files (about 160 MiB)
#   BINDIR  a directory of busybox applet links (true, sha256sum, gzip ...)
# Prints "BENCH-RESULT name seconds" per workload (timed with /proc/uptime,
# 10 ms resolution) and "BENCH-FAIL name" for a command that failed.
dir=${1:?usage: workloads.sh DIR BINDIR}
bin=${2:?usage: workloads.sh DIR BINDIR}
PATH=$bin
export PATH

now() { read -r up _ < /proc/uptime; echo "$up"; }

run() {
    name=$1
    shift
    t0=$(now)
    "$@" || echo "BENCH-FAIL $name"
    t1=$(now)
    echo "BENCH-RESULT $name $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")"
}

sha() { sha256sum "$dir/s" > "$dir/s.sum"; }
gz() { gzip -1 -c "$dir/r" > /dev/null; }
forks() {
    n=0
    while [ $n -lt 300 ]; do
        "$bin/true" || return 1
        n=$((n + 1))
    done
}
# A memory-bound job: 64 MiB through the page cache of tmpfs, and the page
# faults of filling the new file.
copy() { dd if="$dir/s" of="$dir/c" bs=64k 2> /dev/null; }

# Input data, untimed: 32 MiB of random bytes (gzip must work for it) and
# 64 MiB made of two copies.
dd if=/dev/urandom of="$dir/r" bs=1048576 count=32 2> /dev/null ||
    echo "BENCH-FAIL data"
cat "$dir/r" "$dir/r" > "$dir/s" || echo "BENCH-FAIL data"

run sha256 sha
run gzip gz
run forkexec forks
run memcopy copy
rm -f "$dir/r" "$dir/s" "$dir/c" "$dir/s.sum"
