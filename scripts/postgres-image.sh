#!/usr/bin/env bash
# Builds a local PostgreSQL 15 image for the container provider on machines whose Docker engine reaches no
# image registry: a minimal Debian root file system from the mirror apt already uses (read from apt's own
# configuration at run time), postgresql-15 installed into it, `docker import`, then ./postgres-image/Dockerfile.
# An image that is already there is reused.
#
#   scripts/postgres-image.sh [image]        (default migration-gate/postgres:15)
set -euo pipefail

image="${1:-migration-gate/postgres:15}"
base="migration-gate/debian-postgresql-base:15"
here="$(cd "$(dirname "$0")" && pwd)"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "postgres-image: $image is present"
  exit 0
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  . /etc/os-release
  suite="${VERSION_CODENAME:?/etc/os-release names no codename}"
  mirror="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' | awk -v s="$suite" '$2 == s { print $1; exit }')"
  if [ -z "$mirror" ]; then
    echo "postgres-image: apt's configuration names no mirror for $suite" >&2
    exit 1
  fi
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/migration-gate-rootfs.XXXXXX")"
  cleanup() {
    umount "$rootfs/proc" 2>/dev/null || true
    rm -rf "$rootfs"
  }
  trap cleanup EXIT
  echo "postgres-image: debootstrap $suite (minbase) into $rootfs"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    { tail -n 20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  echo "postgres-image: installing postgresql-15"
  mkdir -p "$rootfs/etc/postgresql-common/createcluster.d"
  printf 'create_main_cluster = false\n' >"$rootfs/etc/postgresql-common/createcluster.d/no-main.conf"
  mount -t proc proc "$rootfs/proc"
  chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*'
  umount "$rootfs/proc"
  # The mirror stays out of the image: it is this machine's.
  : >"$rootfs/etc/apt/sources.list"
  echo "postgres-image: docker import $base"
  tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
fi

echo "postgres-image: docker build $image"
docker build -q --build-arg "BASE=$base" -t "$image" "$here/postgres-image" >/dev/null
echo "postgres-image: $image built"
