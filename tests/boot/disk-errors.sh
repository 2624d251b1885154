#!/bin/bash
# Disk images that cannot be used are one clear error line and exit status
# 1: missing, empty, and locked by another running Yinglong.
# Usage: tests/boot/disk-errors.sh [path/to/yinglong]
YL=${1:-build/yinglong}
dir=$(mktemp -d /tmp/yl-diskerr.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
st=0

# expect NAME WANTED-STDERR ARGS...
expect() {
    local name=$1 want=$2
    shift 2
    local got
    got=$(timeout 20 "$YL" -nodefaults -display none "$@" </dev/null 2>&1 >/dev/null)
    local rc=$?
    if [ $rc -eq 1 ] && [ "$got" = "$want" ]; then
        echo "PASS: $name"
    else
        echo "FAIL: $name (exit status $rc)"
        echo "--- wanted: $want"
        echo "--- got:    $got"
        st=1
    fi
}

expect disk-missing "yinglong: $dir/none.img: cannot open image: No such file or directory" \
    -hda "$dir/none.img"
: >"$dir/empty.img"
expect disk-empty "yinglong: $dir/empty.img: image is empty (size 0)" \
    -drive file="$dir/empty.img",format=raw
expect disk-bad-format "yinglong: -drive file=x,format=vmdk: format=vmdk: unsupported image format (only raw)" \
    -drive file=x,format=vmdk

# A first instance holds the image (no bootable disk: SeaBIOS keeps waiting).
truncate -s 1M "$dir/held.img"
"$YL" -nodefaults -display none -hda "$dir/held.img" </dev/null >/dev/null 2>&1 &
pid=$!
ino=$(stat -c %i "$dir/held.img")
for _ in $(seq 50); do
    grep -q "OFDLCK.*:$ino " /proc/locks 2>/dev/null && break
    sleep 0.1
done
expect disk-locked "yinglong: $dir/held.img: image is locked by another process" \
    -hda "$dir/held.img"
expect disk-locked-readonly "yinglong: $dir/held.img: image is locked by another process" \
    -drive file="$dir/held.img",readonly=on
kill $pid 2>/dev/null
wait $pid 2>/dev/null
pid=
exit $st
