#!/bin/bash
# Build the court server test images from Debian's packages, once per recipe.
#
#   images/court/build.sh            build if missing, print the nginx image name
#   images/court/build.sh --tag      print the image tag of the current recipe only
#   SUITE=trixie images/court/build.sh   another Debian release (bullseye, bookworm, trixie)
#
# Two images come out of one root file system: localhost/pn-court-nginx:<tag> and
# localhost/pn-court-apache:<tag>. <tag> hashes everything that shapes the image: every file's
# content, every file, folder and link with its mode (empty folders included), the package list
# and the suite. Changing any of them rebuilds; an unchanged recipe is a no-op.
#
# Downloaded .deb files are kept in $PN_DEB_CACHE (default /var/cache/pn-website/debootstrap);
# debootstrap checks each cached file against the suite's signed package lists before using it,
# so the cache saves downloads without changing what is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
suite=${SUITE:-bookworm}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/containers/containers.conf}

recipe_hash() {
    (
        cd "$here"
        # What exists, with type and mode (folders and links too), then what the files hold.
        find . ! -name '*.pyc' ! -name __pycache__ -printf '%y %m %p -> %l\n' | LC_ALL=C sort
        find . -type f ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
        echo "suite $suite"
    ) | sha256sum | cut -c1-12
}
tag="$suite-$(recipe_hash)"
if [ "${1:-}" = "--tag" ]; then
    echo "$tag"
    exit 0
fi
nginx_image="localhost/pn-court-nginx:$tag"
apache_image="localhost/pn-court-apache:$tag"
tag_latest() {
    podman tag "$nginx_image" localhost/pn-court-nginx:latest
    podman tag "$apache_image" localhost/pn-court-apache:latest
}
if podman image exists "$nginx_image" && podman image exists "$apache_image"; then
    tag_latest
    echo "$nginx_image"
    exit 0
fi

mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '/^URIs:/{print $2} /^deb /{print $2}' | grep -E '/debian/?$' | head -1 || true)
if [ -z "$mirror" ]; then
    echo "build.sh: no Debian mirror found in /etc/apt/sources.list*; set MIRROR=http://..." >&2
    mirror=${MIRROR:?}
fi
mirror=${MIRROR:-$mirror}

work=$(mktemp -d /var/tmp/pn-court-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
packages=$(grep -vE '^\s*(#|$)' "$here/packages.txt" | paste -sd, -)
deb_cache=${PN_DEB_CACHE:-/var/cache/pn-website/debootstrap}/$suite
mkdir -p "$deb_cache"
echo ">> debootstrap $suite from $mirror (a few minutes; .deb cache $deb_cache)" >&2
start=$(date +%s)
if ! debootstrap --variant=minbase --cache-dir="$deb_cache" --include="$packages" "$suite" "$rootfs" "$mirror" \
    > "$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    echo "build.sh: debootstrap failed (log above)" >&2
    exit 1
fi
echo ">> debootstrap took $(( $(date +%s) - start ))s" >&2

cp -a "$here/rootfs/." "$rootfs/"
# Folders the recipe writes into or the fleet copies into (git keeps no empty folders).
install -d -m 0755 "$rootfs/var/www/court/uploads/dokumen" "$rootfs/etc/pn-court"
while IFS='|' read -r file title; do
    python3 "$here/make-pdf.py" "$rootfs/var/www/court/uploads/dokumen/$file" "$title"
done <<'DOCS'
laporan-tahunan.pdf|Laporan Tahunan Pengadilan
putusan-12-pdt-g-2026.pdf|Putusan Nomor 12/Pdt.G/2026
standar-pelayanan-ptsp.pdf|Standar Pelayanan PTSP
DOCS
cp "$here/setup-rootfs.sh" "$rootfs/tmp/setup-rootfs.sh"
chroot "$rootfs" /bin/bash /tmp/setup-rootfs.sh
rm -f "$rootfs/tmp/setup-rootfs.sh"

import() {
    local image=$1
    tar -C "$rootfs" --numeric-owner -c . \
        | podman import --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' - "$image" >/dev/null
    echo ">> imported $image" >&2
}
chroot "$rootfs" systemctl disable apache2.service >/dev/null 2>&1
chroot "$rootfs" systemctl enable nginx.service >/dev/null 2>&1
import "$nginx_image"
chroot "$rootfs" systemctl disable nginx.service >/dev/null 2>&1
chroot "$rootfs" systemctl enable apache2.service >/dev/null 2>&1
import "$apache_image"
tag_latest
echo "$nginx_image"
