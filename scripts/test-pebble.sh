#!/usr/bin/env bash
# Prepares what the ACME integration tests need, idempotently: Debian's pebble package (an RFC 8555 test CA,
# with pebble-challtestsrv as its DNS server). Nothing is started here: the test kit TestPebble starts both
# as child processes on free 127.0.0.1 ports with its own config and certificates (Debian ships no
# test/certs and only an example config, /usr/share/doc/pebble/examples/pebble-config.json).
# Run as root on Debian. `--check` only reports whether everything is ready.
set -euo pipefail

ready() { command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; }

if [ "${1:-}" = "--check" ]; then
  ready && { echo "test pebble: ready"; exit 0; }
  echo "test pebble: not ready"; exit 1
fi

if ! ready; then
  [ "$(id -u)" = 0 ] || { echo "test-pebble: the pebble package is needed; run as root to install it" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null; }
fi

echo "test pebble: $(dpkg-query -W -f='${Version}' pebble 2>/dev/null || echo '?') ready ($(command -v pebble), $(command -v pebble-challtestsrv))"
