#!/bin/bash
# -nographic: stdio carries COM1 and takes QEMU's Ctrl-A escapes.
#   mux-help   C-a h lists the escapes, the guest keeps running
#   mux-quit   C-a x ends the emulator with status 0
#   mux-monitor  C-a c gives the human monitor (info registers answers),
#              C-a c again the console; C-a x still quits
# Usage: tests/boot/nographic-mux.sh [path/to/yinglong]
YL=${1:-${YINGLONG:-build/yinglong}}
BUILD_DIR=$(dirname "$YL")
HELLO=$BUILD_DIR/tests/guest/hello.bin
fail=0

pass() { echo "PASS: $1"; }
flunk() {
    echo "FAIL: $1 ($2)"
    sed 's/^/    /' "$out" | tail -15
    fail=1
}

if [ ! -f "$HELLO" ]; then
    echo "FAIL: mux ($HELLO missing: make guest-progs)"
    exit 1
fi
out=$(mktemp /tmp/yl-mux.XXXXXX)
trap 'rm -f "$out"' EXIT

# The guest halts after its greeting (no isa-debug-exit device): only the
# escape can end the run, within the timeout.
(sleep 1; printf '\001h'; sleep 0.3; printf '\001x') |
    timeout 20 "$YL" -nographic -kernel "$HELLO" > "$out" 2>&1
st=$?
if grep -q "C-a x    exit the emulator" "$out"; then
    pass mux-help
else
    flunk mux-help "no help text after C-a h"
fi
if [ "$st" -eq 0 ] && grep -q "terminated (C-a x)" "$out"; then
    pass mux-quit
else
    flunk mux-quit "exit status $st"
fi

(sleep 1; printf '\001c'; sleep 0.3; printf 'info registers\r'; sleep 0.3; printf '\001c'
 sleep 0.2; printf '\001x') |
    timeout 20 "$YL" -nographic -kernel "$HELLO" > "$out" 2>&1
st=$?
if ! grep -q "Yinglong monitor" "$out"; then
    flunk mux-monitor "no monitor greeting after C-a c"
elif ! grep -q "^(yinglong) EAX=" "$out" || ! grep -q "HLT=1" "$out"; then
    flunk mux-monitor "info registers did not answer"
elif [ "$st" -ne 0 ] || ! grep -q "terminated (C-a x)" "$out"; then
    flunk mux-monitor "C-a x after the monitor: exit status $st"
else
    pass mux-monitor
fi
exit $fail
