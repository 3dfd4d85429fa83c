#!/usr/bin/env bash
# Makes a Docker engine answer on this machine for the container tests: starts Debian's dockerd in the
# background when none answers (no systemd here; published ports stay on loopback), then builds the local
# PostgreSQL image when it is missing (./postgres-image.sh).
#
#   scripts/start-docker.sh [image]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "start-docker: no Docker engine answers and dockerd is not installed (apt-get install docker.io)" >&2
    exit 1
  fi
  log="${TMPDIR:-/tmp}/migration-gate-dockerd.log"
  echo "start-docker: starting dockerd (log: $log)"
  nohup dockerd --ip 127.0.0.1 >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 20 "$log" >&2
    echo "start-docker: dockerd did not answer within 30 s" >&2
    exit 1
  fi
fi

"$here/postgres-image.sh" "${1:-migration-gate/postgres:15}"
