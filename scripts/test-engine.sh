#!/usr/bin/env bash
# Prepares what the integration tests need, idempotently: a running Docker engine and the busybox test
# image dormouse-test/busybox:latest (built with `docker import`, since no image registry is needed).
# Run as root on Debian. `--check` only reports whether everything is ready.
set -euo pipefail

IMAGE=dormouse-test/busybox:latest
VERSION=4   # bump when the image contents change
LINKS="sh ash httpd nc sleep echo cat wget true false kill ls mkdir touch rm env printf head md5sum sha256sum
  dd seq date hostname ps grep sed tr wc cut id uname trap test chmod"

engine_up() { docker version >/dev/null 2>&1; }
image_current() {
  [ "$(docker image inspect -f '{{index .Config.Labels "dev.dormouse.test.version"}}' "$IMAGE" 2>/dev/null || true)" = "$VERSION" ]
}

if [ "${1:-}" = "--check" ]; then
  engine_up && image_current && { echo "test engine: ready"; exit 0; }
  echo "test engine: not ready"; exit 1
fi

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ] \
    || ! command -v gcc >/dev/null 2>&1 || ! ls /usr/lib/*/libc.a >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "test-engine: docker.io, busybox-static and gcc are needed; run as root to install them" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static gcc libc6-dev >/dev/null
fi

if ! engine_up; then
  [ "$(id -u)" = 0 ] || { echo "test-engine: the Docker engine is not running; run as root to start it" >&2; exit 1; }
  # No bridge and no iptables: tests run containers with --network host on 127.0.0.1 ports.
  # --live-restore keeps containers running while the engine restarts (LiveConfigIT restarts it).
  setsid nohup dockerd --iptables=false --bridge=none --live-restore >>/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do engine_up && break; sleep 1; done
  engine_up || { echo "test-engine: dockerd did not come up; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi

if ! image_current; then
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/tmp" "$root/www" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for l in $LINKS; do ln -sf busybox "$root/bin/$l"; done
  # busybox's nc listens with a backlog of 2 and has no UDP server for many clients; a tiny static echo does both.
  gcc -static -O2 -o "$root/bin/echod" "$(dirname "$0")/test-image/echod.c"
  echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
  echo "root:x:0:" > "$root/etc/group"
  tar -C "$root" -cf - . | docker import --change "LABEL dev.dormouse.test.version=$VERSION" \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
fi

echo "test engine: docker $(docker version -f '{{.Server.Version}}') running, image $IMAGE ready"
