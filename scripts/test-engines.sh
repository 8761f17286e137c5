#!/usr/bin/env bash
# Starts, idempotently, the extra engines the multi-engine integration tests use, beside the main one
# (scripts/test-engine.sh), which is never touched:
#   tls    a second dockerd on tcp://127.0.0.1:PORT with --tlsverify and certificates made here (a CA, a
#          server certificate for 127.0.0.1, a client certificate, and a second client certificate from
#          another CA that the engine must refuse), plus a unix socket for the test kit's own commands;
#   swarm  a third dockerd without --live-restore (Swarm refuses it) on its own unix socket, in a
#          single-node swarm (docker swarm init --advertise-addr 127.0.0.1);
#   podman Podman's Docker-compatible API (podman system service) on its own unix socket, when Podman
#          runs on this machine (see the README: Podman).
# Each has its own --data-root, --exec-root (so its own containerd and containerd socket), --pidfile and
# an empty --config-file, and the test image loaded (docker save | docker -H ... load). Ports are chosen
# free at the first start and kept in the state directory. The test kit (TestEngines) reads
# $STATE/<engine>/env, written last, once the engine answers.
# Run as root. `--check` only reports whether they are up; `--stop` stops them (never the main engine).
set -euo pipefail

STATE=${DORMOUSE_TEST_ENGINES:-/var/lib/dormouse-test-engines}
IMAGE=dormouse-test/busybox:latest
HERE=$(cd "$(dirname "$0")" && pwd)

log() { echo "test-engines: $*" >&2; }
free_port() { # a port free for TCP and UDP on 127.0.0.1 now, below 49152 (as Swarm's data path port must be)
  python3 -c '
import random, socket
for _ in range(500):
    p = random.randint(20000, 49151)
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind); s.bind(("127.0.0.1", p)); s.close()
    except OSError:
        continue
    print(p); break
'
}


up_tls() { [ -f "$STATE/tls/port" ] && docker -H "unix://$STATE/tls/docker.sock" version >/dev/null 2>&1; }
up_swarm() { docker -H "unix://$STATE/swarm/docker.sock" info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -qx active; }
up_swarm_engine() { docker -H "unix://$STATE/swarm/docker.sock" version >/dev/null 2>&1; }
up_podman() { [ -S "$STATE/podman/podman.sock" ] && curl -fsS --unix-socket "$STATE/podman/podman.sock" http://d/_ping >/dev/null 2>&1; }

running_pid() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_one() { # stop_one DIR: the dockerd (and its containerd) of an engine dir, by its pidfile
  local pidfile="$1/docker.pid"
  if running_pid "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$1/env"
}

if [ "${1:-}" = "--check" ]; then
  ok=1
  up_tls && echo "tls engine: up" || { echo "tls engine: down"; ok=0; }
  up_swarm && echo "swarm engine: up" || { echo "swarm engine: down"; ok=0; }
  [ -f "$STATE/podman/env" ] && { up_podman && echo "podman: up" || { echo "podman: down"; ok=0; }; } || echo "podman: $(cat "$STATE/podman/unavailable" 2>/dev/null || echo 'not set up')"
  [ $ok = 1 ]; exit
fi
if [ "${1:-}" = "--stop" ]; then
  stop_one "$STATE/tls"; stop_one "$STATE/swarm"
  if [ -f "$STATE/podman/service.pid" ] && running_pid "$STATE/podman/service.pid"; then kill "$(cat "$STATE/podman/service.pid")"; fi
  rm -f "$STATE/podman/env"
  exit 0
fi

[ "$(id -u)" = 0 ] || { log "the extra engines are started as root"; exit 1; }
bash "$HERE/test-engine.sh" >/dev/null   # the main engine and the test image, to copy from
command -v openssl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
command -v curl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
mkdir -p "$STATE"
chmod 0700 "$STATE"

make_certs() { # make_certs DIR: CA, server certificate for 127.0.0.1/localhost, client certificate; and a rogue CA's client
  local d=$1
  [ -f "$d/client-cert.pem" ] && [ -f "$d/rogue-cert.pem" ] && return 0
  mkdir -p "$d"; (
    cd "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=dormouse test CA" \
      -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=dormouse" -keyout client-key.pem -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out client-cert.pem 2>/dev/null
    # A client certificate the engine must refuse: issued by another CA.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=rogue" -keyout rogue-key.pem \
      -out rogue-cert.pem -addext extendedKeyUsage=clientAuth 2>/dev/null
    rm -f ./*.csr ./*.ext ./*.srl
    chmod 0600 ./*-key.pem
  )
}

start_dockerd() { # start_dockerd DIR ARGS...: a dockerd with its own roots, pidfile and config, logging to DIR/dockerd.log
  local d=$1; shift
  mkdir -p "$d/data" "$d/exec"
  [ -f "$d/daemon.json" ] || echo '{}' > "$d/daemon.json"
  setsid nohup dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
    --iptables=false --ip6tables=false --bridge=none "$@" >>"$d/dockerd.log" 2>&1 < /dev/null &
}

wait_for() { # wait_for WHAT CHECK LOG
  for _ in $(seq 1 300); do "$2" && return 0; sleep 0.2; done
  log "$1 did not come up; see $3"; tail -20 "$3" >&2; exit 1
}

load_image() { # load_image DOCKER-ARGS...: the main engine's test image, unless the engine has it with the same id
  local want; want=$(docker image inspect -f '{{.Id}}' "$IMAGE")
  [ "$(docker "$@" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)" = "$want" ] && return 0
  docker save "$IMAGE" | docker "$@" load >/dev/null
}

# ---------------------------------------------------------------- tls
if ! up_tls; then
  stop_one "$STATE/tls"
  make_certs "$STATE/tls/certs"
  free_port > "$STATE/tls/port"
  port=$(cat "$STATE/tls/port")
  start_dockerd "$STATE/tls" --live-restore -H "tcp://127.0.0.1:$port" -H "unix://$STATE/tls/docker.sock" \
    --tlsverify --tlscacert "$STATE/tls/certs/ca.pem" --tlscert "$STATE/tls/certs/server-cert.pem" --tlskey "$STATE/tls/certs/server-key.pem"
  wait_for "the tls engine" up_tls "$STATE/tls/dockerd.log"
fi
load_image -H "unix://$STATE/tls/docker.sock"
cat > "$STATE/tls/env.tmp" <<EOF
host=tcp://127.0.0.1:$(cat "$STATE/tls/port")
socket=unix://$STATE/tls/docker.sock
ca_file=$STATE/tls/certs/ca.pem
cert_file=$STATE/tls/certs/client-cert.pem
key_file=$STATE/tls/certs/client-key.pem
rogue_cert_file=$STATE/tls/certs/rogue-cert.pem
rogue_key_file=$STATE/tls/certs/rogue-key.pem
EOF
mv "$STATE/tls/env.tmp" "$STATE/tls/env"

# ---------------------------------------------------------------- swarm
if ! up_swarm; then
  if ! up_swarm_engine; then
    stop_one "$STATE/swarm"
    start_dockerd "$STATE/swarm" -H "unix://$STATE/swarm/docker.sock"
    wait_for "the swarm engine" up_swarm_engine "$STATE/swarm/dockerd.log"
  fi
  [ -f "$STATE/swarm/port" ] || free_port > "$STATE/swarm/port"
  # A node that is already in the swarm (a restarted engine, or a run beside this one) is "pending" or
  # "activating" until its raft is up: wait for it rather than init again.
  if docker -H "unix://$STATE/swarm/docker.sock" info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -qx inactive; then
    docker -H "unix://$STATE/swarm/docker.sock" swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$(cat "$STATE/swarm/port")" \
      --data-path-port "$(free_port)" >/dev/null 2>"$STATE/swarm/init.err" \
      || grep -q "already part of a swarm" "$STATE/swarm/init.err" || { cat "$STATE/swarm/init.err" >&2; exit 1; }
  fi
  wait_for "the swarm" up_swarm "$STATE/swarm/dockerd.log"
fi
load_image -H "unix://$STATE/swarm/docker.sock"
echo "host=unix://$STATE/swarm/docker.sock" > "$STATE/swarm/env.tmp"
mv "$STATE/swarm/env.tmp" "$STATE/swarm/env"

# ---------------------------------------------------------------- podman
# Podman runs here as root with the vfs storage driver, runc (crun refuses this machine's hybrid cgroups)
# and ulimits below the sandbox's hard limits (it cannot raise them: no CAP_SYS_RESOURCE). When it cannot
# run a container, the reason is kept in $STATE/podman/unavailable and the Podman tests say so.
podman_env() { export CONTAINERS_CONF="$STATE/podman/containers.conf" CONTAINERS_STORAGE_CONF="$STATE/podman/storage.conf"; }
podman_unavailable() { echo "$1" > "$STATE/podman/unavailable"; rm -f "$STATE/podman/env"; log "podman: $1"; }
mkdir -p "$STATE/podman"
if ! command -v podman >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman conmon >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman conmon >/dev/null 2>&1; } || true
fi
if ! command -v podman >/dev/null 2>&1; then
  podman_unavailable "Debian's podman package could not be installed"
elif ! up_podman || [ ! -f "$STATE/podman/env" ]; then
  rm -f "$STATE/podman/unavailable"
  if [ -f "$STATE/podman/service.pid" ] && running_pid "$STATE/podman/service.pid"; then kill "$(cat "$STATE/podman/service.pid")" || true; sleep 0.5; fi
  cat > "$STATE/podman/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$STATE/podman/run"
graphroot = "$STATE/podman/data"
EOF
  cat > "$STATE/podman/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$STATE/podman/tmp"
EOF
  podman_env
  rm -f "$STATE/podman/podman.sock"
  (setsid nohup podman system service --time=0 "unix://$STATE/podman/podman.sock" >>"$STATE/podman/service.log" 2>&1 < /dev/null &
   echo $! > "$STATE/podman/service.pid")
  for _ in $(seq 1 100); do up_podman && break; sleep 0.1; done
  if ! up_podman; then
    podman_unavailable "podman system service did not answer on its socket: $(tail -1 "$STATE/podman/service.log")"
  else
    P="docker -H unix://$STATE/podman/podman.sock"
    load_image -H "unix://$STATE/podman/podman.sock" || true
    $P rm -f dormouse-podman-probe >/dev/null 2>&1 || true
    if out=$($P run --rm --name dormouse-podman-probe --network host "$IMAGE" true 2>&1); then
      echo "host=unix://$STATE/podman/podman.sock" > "$STATE/podman/env.tmp"
      mv "$STATE/podman/env.tmp" "$STATE/podman/env"
    else
      podman_unavailable "podman cannot run a container here: $(echo "$out" | tail -1)"
    fi
  fi
fi

echo "test engines: tls on $(grep ^host= "$STATE/tls/env" | cut -d= -f2), swarm on $(grep ^host= "$STATE/swarm/env" | cut -d= -f2), podman: $(grep ^host= "$STATE/podman/env" 2>/dev/null | cut -d= -f2 || cat "$STATE/podman/unavailable")"
