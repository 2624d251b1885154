#!/bin/bash
# summary.sh LOGFILE -- one closing line "N passed, N failed" for a
# `make check` log: PASS:/FAIL: lines count one each, and check's
# "Checks: N, Failures: F, Errors: E" lines count N-F-E passed, F+E failed.
# Always exits 0; the caller's own status says whether check failed.
log=${1:-/dev/stdin}
awk '
/^PASS: / { p++ }
/^FAIL: / { f++ }
/Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ {
    match($0, /Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/)
    s = substr($0, RSTART, RLENGTH)
    gsub(/[^0-9]+/, " ", s)
    split(s, n, " ")
    p += n[1] - n[2] - n[3]
    f += n[2] + n[3]
}
END { printf "%d passed, %d failed\n", p, f }
' "$log" 2>/dev/null || echo "0 passed, 0 failed"
exit 0
