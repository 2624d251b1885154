#!/bin/bash
# Fetches the outer QEMU of the nested KVM test: qemu-system-x86 from Debian
# 12's backports suite (QEMU 10; bookworm's own 7.2 emulates SVM with bugs
# that broke the nested runs, README.md "The outer QEMU"), with the
# qemu-system-data and seabios packages of the same suite, unpacked into
#   OUTDIR/qemu/qemu-system-x86_64   a wrapper: that binary, -L at their files
# apt runs on a sources list, package lists and cache of its own under
# OUTDIR/qemu/apt, taking the archive's address from this host's apt setup:
# the host's sources and installed packages stay as they are. The binary
# uses the libraries bookworm's qemu-system-x86 pulls in (scripts/deps.sh).
# Usage: tests/kvm/mkqemu.sh OUTDIR   (does nothing when it is there)
set -euo pipefail

OUT=${1:?usage: mkqemu.sh OUTDIR}
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)/qemu    # the wrapper's paths are absolute
WRAPPER=$OUT/qemu-system-x86_64
die() { echo "mkqemu: $*" >&2; exit 1; }

if [ -x "$WRAPPER" ] && "$WRAPPER" --version >/dev/null 2>&1; then
    exit 0
fi
for t in apt-get dpkg-deb ldd; do
    command -v $t >/dev/null || die "$t not found (a Debian host is needed)"
done
# shellcheck disable=SC1091
. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}-backports
# shellcheck disable=SC2016  # $(REPO_URI) is apt's field, not the shell's
URI=$(apt-get indextargets --format '$(REPO_URI)' "Release: $VERSION_CODENAME" \
      "Identifier: Packages" 2>/dev/null | sort -u | head -n1)
[ -n "$URI" ] || die "no package list of $VERSION_CODENAME in apt's setup (apt-get update?)"

A=$OUT/apt
rm -rf "$OUT"
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$OUT/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $URI $SUITE main" \
    > "$A/sources.list"
apt_private() {
    apt-get -q -o Dir::Etc::SourceList="$A/sources.list" \
        -o Dir::Etc::SourceParts="$A/none" -o Dir::State::Lists="$A/lists" \
        -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root "$@"
}
apt_private update >/dev/null || die "apt-get update of $SUITE failed"
(cd "$OUT/debs" && apt_private download qemu-system-x86/"$SUITE" \
    qemu-system-data/"$SUITE" seabios/"$SUITE" >/dev/null) ||
    die "cannot download qemu-system-x86, qemu-system-data, seabios from $SUITE"
for d in "$OUT"/debs/*.deb; do
    dpkg-deb -x "$d" "$OUT/root"
done
BIN=$OUT/root/usr/bin/qemu-system-x86_64
[ -x "$BIN" ] || die "no qemu-system-x86_64 in the packages"
missing=$(ldd "$BIN" | awk '/not found/{print $1}' | tr '\n' ' ')
[ -z "$missing" ] || die "$BIN needs $missing(apt-get install qemu-system-x86)"

cat > "$WRAPPER" <<EOF
#!/bin/sh
# $(basename "$OUT"/debs/qemu-system-x86_*.deb) from $SUITE (tests/kvm/mkqemu.sh)
exec "$BIN" -L "$OUT/root/usr/share/qemu" -L "$OUT/root/usr/share/seabios" "\$@"
EOF
chmod +x "$WRAPPER"
"$WRAPPER" --version | head -n1
