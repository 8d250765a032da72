#!/bin/bash
# Build the execution environment (EE) of AWX / Ansible Automation Platform jobs, once per recipe.
#
#   images/ee/build.sh          build if missing, print the EE image name
#   images/ee/build.sh --tag    print the EE image tag of the current recipe only
#
# Two images, both local (no registry is needed):
#   localhost/pn-website-ee-base:<tag>  Debian 12 from debootstrap with python3, pip and the system
#                                       packages of bindep.txt (images/ee/base/packages.txt)
#   localhost/pn-website-ee:<tag>       ansible-builder's build of execution-environment.yml on that base
#
# ansible-builder's scripts speak dnf; the base image carries /usr/local/bin/pkgmgr, which maps their
# `install` and `clean all` onto apt-get. Every bindep.txt package for Debian is baked into the base, so
# bindep finds nothing missing and the build needs no package mirror. Python packages come from a
# wheelhouse downloaded here at the versions of requirements/lock.txt (with sopansible's own wheel);
# pip inside the build installs from it only (--no-index), so the build needs no index either. The
# collections pn.website depends on are copied from .venv's `ansible` package (no Galaxy server either).
#
# The tags hash what shapes each image; an unchanged recipe is a no-op. Debootstrap's .deb files are
# kept in $PN_DEB_CACHE (default /var/cache/pn-website/debootstrap); the wheelhouse is .cache/ee/wheelhouse.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
suite=bookworm
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/containers/containers.conf}
bin=${PN_VENV_BIN:-$root/.venv/bin}
collection=collections/ansible_collections/pn/website

tree_hash() {
    # Every file, folder and link with its mode, then the files' content.
    (
        cd "$root"
        find "$@" \( -name __pycache__ -o -path "$collection/tests/output" \) -prune -o ! -name '*.pyc' \
            -printf '%y %m %p -> %l\n' | LC_ALL=C sort
        find "$@" \( -name __pycache__ -o -path "$collection/tests/output" \) -prune -o -type f ! -name '*.pyc' \
            -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    ) | sha256sum | cut -c1-12
}
base_tag="$suite-$( { tree_hash images/ee/base; echo "suite $suite"; } | sha256sum | cut -c1-12)"
# The EE: its base, the definition and everything it copies in (the collection, sopansible, the pins).
ee_tag="$( { echo "$base_tag"; tree_hash images/ee execution-environment.yml bindep.txt requirements \
    collections/ee-requirements.yml "$collection" sopansible pyproject.toml; } | sha256sum | cut -c1-12)"
if [ "${1:-}" = "--tag" ]; then
    echo "$ee_tag"
    exit 0
fi
base_image="localhost/pn-website-ee-base:$base_tag"
ee_image="localhost/pn-website-ee:$ee_tag"
if podman image exists "$ee_image"; then
    podman tag "$ee_image" localhost/pn-website-ee:latest
    echo "$ee_image"
    exit 0
fi

work=$(mktemp -d /var/tmp/pn-ee-build.XXXXXX)
rootfs="$work/rootfs"
cleanup() {
    if mountpoint -q "$rootfs"; then umount "$rootfs"; fi
    rm -rf "$work"
}
trap cleanup EXIT

if ! podman image exists "$base_image"; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
        | awk '/^URIs:/{print $2} /^deb /{print $2}' | grep -E '/debian/?$' | head -1 || true)
    mirror=${MIRROR:-$mirror}
    if [ -z "$mirror" ]; then
        echo "build.sh: no Debian mirror found in /etc/apt/sources.list*; set MIRROR=http://..." >&2
        exit 1
    fi
    # dpkg syncs every file it unpacks: in memory (a tmpfs of its own, about 450 MB used) debootstrap took
    # 90 s instead of 130 s on disk on a 2-core machine under the same load. Where mounting is not allowed
    # it stays on disk.
    mkdir -p "$rootfs"
    mount -t tmpfs -o size=2g,mode=0755 pn-ee-rootfs "$rootfs" 2>/dev/null || true
    packages=$(grep -vE '^\s*(#|$)' "$here/base/packages.txt" | paste -sd, -)
    deb_cache=${PN_DEB_CACHE:-/var/cache/pn-website/debootstrap}/$suite
    mkdir -p "$deb_cache"
    echo ">> debootstrap $suite for the EE base image from $mirror (.deb cache $deb_cache)" >&2
    start=$(date +%s)
    if ! debootstrap --variant=minbase --cache-dir="$deb_cache" --include="$packages" "$suite" "$rootfs" "$mirror" \
        > "$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        echo "build.sh: debootstrap failed (log above)" >&2
        exit 1
    fi
    echo ">> debootstrap took $(( $(date +%s) - start ))s" >&2
    install -m 0755 "$here/base/pkgmgr" "$rootfs/usr/local/bin/pkgmgr"
    # The package lists and .deb files are not needed at run time (pkgmgr fetches lists when it installs).
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" --numeric-owner -c . \
        | podman import --quiet --change 'CMD ["/bin/bash"]' - "$base_image" >/dev/null
    if mountpoint -q "$rootfs"; then umount "$rootfs"; fi
    rm -rf "$rootfs"
    echo ">> imported $base_image" >&2
fi

# The wheelhouse: every Python package of the EE at the version of the lock, for the host's Python,
# which is the base image's (Debian 12, CPython 3.11). Made afresh for each build, so that only the
# lock's versions are in it (pip's own cache saves the downloads).
wheels="$root/.cache/ee/wheelhouse"
rm -rf "$wheels"
mkdir -p "$wheels"
start=$(date +%s)
ee_pin() { awk -v name="$1" '$1 == "package_pip:" && index($2, name "==") == 1 {print $2}' "$root/execution-environment.yml"; }
if ! { "$bin/python" -m pip wheel -q --no-deps -w "$wheels" "$root" \
    && "$bin/python" -m pip download -q --only-binary=:all: -d "$wheels" --find-links "$wheels" \
        -c "$root/requirements/lock.txt" -r "$root/requirements/ee-python.txt" \
        "$(ee_pin ansible-core)" "$(ee_pin ansible-runner)" "$(ee_pin dumb-init)" bindep pyyaml packaging; \
    } > "$work/wheelhouse.log" 2>&1; then
    grep -v '^WARNING: Location' "$work/wheelhouse.log" | tail -n 30 >&2
    echo "build.sh: the wheelhouse could not be downloaded (log above)" >&2
    exit 1
fi
echo ">> wheelhouse ready in $(( $(date +%s) - start ))s ($(ls "$wheels" | wc -l) wheels)" >&2

# The collections pn.website depends on (galaxy.yml), copied from the `ansible` package of .venv: the
# versions of requirements/lock.txt the tests ran. Only these go into the EE (collections/ee-requirements.yml
# names the same ones; ansible-galaxy --offline fails the build when the two disagree).
vendored="$root/.cache/ee/collections"
rm -rf "$vendored"
site=$("$bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for name in $("$bin/python" -c 'import sys, yaml; print(*yaml.safe_load(open(sys.argv[1]))["dependencies"])' \
    "$root/$collection/galaxy.yml"); do
    path="ansible_collections/${name/.//}"
    if [ ! -f "$site/$path/MANIFEST.json" ]; then
        echo "build.sh: $name, a dependency of $collection/galaxy.yml, is not in $site (make venv)" >&2
        exit 1
    fi
    mkdir -p "$vendored/$path"
    cp -a "$site/$path/." "$vendored/$path/"
done
find "$vendored" -name __pycache__ -prune -exec rm -rf {} +
echo ">> collections: $(cd "$vendored/ansible_collections" && echo */*)" >&2

echo ">> ansible-builder build $ee_image" >&2
start=$(date +%s)
if ! (cd "$root" && "$bin/ansible-builder" build -v 2 --file execution-environment.yml \
    --context "$work/context" --container-runtime podman --squash new \
    --build-arg EE_BASE_IMAGE="$base_image" --tag "$ee_image") > "$work/builder.log" 2>&1; then
    tail -n 40 "$work/builder.log" >&2
    echo "build.sh: ansible-builder failed (log above)" >&2
    exit 1
fi
echo ">> ansible-builder took $(( $(date +%s) - start ))s" >&2
podman tag "$ee_image" localhost/pn-website-ee:latest
echo "$ee_image"
