# Debian packages Yinglong needs to build and to run `make check`.
# Sourced by ./setup and .ci/run; one list, so the two cannot drift.
YL_DEBIAN_PACKAGES="gcc make pkg-config nasm libc6-dev linux-libc-dev
  libsdl2-dev libpixman-1-dev zlib1g-dev libcapstone-dev check seabios
  xorriso cpio mtools dosfstools syslinux syslinux-common isolinux
  qemu-system-x86"
# (cpio..syslinux-common: tests/linux/mkguest.sh builds the Linux guest kit;
#  isolinux, syslinux-common, mtools: tests/boot/bootloader.sh;
#  qemu-system-x86: the peer QEMU, and the libraries of the outer QEMU that
#  tests/kvm/mkqemu.sh fetches from the backports suite without installing it)

yl_missing_packages() {
    local p missing=""
    for p in $YL_DEBIAN_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing="$missing $p"
    done
    echo "$missing"
}

# Installs what is missing when root; otherwise prints the line to run.
yl_ensure_packages() {
    local missing
    missing=$(yl_missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q && apt-get install -y -q $missing
    else
        echo "yinglong: missing Debian packages; install them with:" >&2
        echo "  sudo apt-get install -y$missing" >&2
        return 1
    fi
}
