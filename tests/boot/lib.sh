# Sourced by the firmware boot tests (tests/boot/*.sh); not a test itself
# (rules.mk leaves it out).  The caller sets EMU, LIMIT and dir.

# boot NAME EMULATOR-ARGS...: runs one guest with isa-debug-exit; COM1 goes
# to $dir/NAME.out, the SeaBIOS debug log to $dir/NAME.bios, the
# emulator's own output to $dir/NAME.err; the exit status is in $st_run.
boot() {
    local name=$1
    shift
    # shellcheck disable=SC2086
    timeout "$LIMIT" $EMU -nodefaults -m 64 -display none -serial file:"$dir/$name.out" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -chardev file,id=dbg,path="$dir/$name.bios" \
        -device isa-debugcon,iobase=0x402,chardev=dbg "$@" </dev/null >"$dir/$name.err" 2>&1
    st_run=$?
}

# report NAME WHY: PASS when WHY is empty, else FAIL with the ends of the
# serial output, the emulator's messages and the SeaBIOS log; returns 1 then.
report() {
    local name=$1 why=$2
    if [ -z "$why" ]; then
        echo "PASS: $name"
        return 0
    fi
    echo "FAIL: $name ($why)"
    echo "--- serial:"; tail -n 15 "$dir/$name.out" 2>/dev/null
    echo "--- emulator:"; tail -n 5 "$dir/$name.err"
    if [ -s "$dir/$name.bios" ]; then
        echo "--- SeaBIOS log:"; tail -n 10 "$dir/$name.bios"
    fi
    return 1
}
