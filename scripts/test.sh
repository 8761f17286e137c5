#!/usr/bin/env bash
# The whole test suite: unit tests, integration tests against a real Docker engine, a real browser test
# and the black-box test of the tarball. Prepares the engine, Pebble (ACME), the browser and the HTTP/2 clients
# (curl, nghttp) when they are missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-env.sh

bash scripts/test-engine.sh
bash scripts/test-engines.sh
bash scripts/test-pebble.sh
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
  else
    echo "test: chromium and chromium-driver are missing; the browser test will be skipped" >&2
  fi
fi

# The HTTPS tests speak HTTP/2 and TLS with curl (OpenSSL, nghttp2) and nghttp (Debian's nghttp2-client).
if ! command -v curl >/dev/null 2>&1 || ! command -v nghttp >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl nghttp2-client >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl nghttp2-client >/dev/null; }
  else
    echo "test: curl or nghttp2-client is missing; the HTTPS tests that use them will be skipped" >&2
  fi
fi

# DistributionIT checks the systemd unit with systemd-analyze (Debian's systemd package; nothing is started).
if ! command -v systemd-analyze >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }
  else
    echo "test: systemd-analyze is missing; the systemd unit will not be verified" >&2
  fi
fi

echo "test: $(java -version 2>&1 | head -1)"
exec ./mvnw -B -ntp verify "$@"
