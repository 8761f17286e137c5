#!/usr/bin/env bash
# The benchmark: dormouse side by side with nginx, HAProxy and Caddy (and the direct path or the engine's own
# floor) in one run on this machine. Installs what it needs from Debian (as root), builds the tarball, prints
# one table of ratios and writes docs/benchmarks.md. Takes about 10 minutes; CI does not run it.
#
#   bash bench/run.sh                   # everything
#   BENCH_SKIP_BUILD=1 bash bench/run.sh   # reuse dist/target's tarball
#   BENCH_DURATION=10s BENCH_ONLY=http,wake bash bench/run.sh
#
# Sections (BENCH_ONLY): http (keep-alive, new connection per request, h2c), https (HTTP/1.1 and HTTP/2 over
# TLS), tcp, udp, wake (from stop and pause against the engine's floor, 5,000 requests on one wake),
# startup, memory (RSS idle with 100 routes, after load), idle (CPU with 1,000 routes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source scripts/java-env.sh

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
ONLY=${BENCH_ONLY:-http,https,tcp,udp,wake,startup,memory,idle}
RUNS=${BENCH_RUNS:-7}
W=$(mktemp -d /tmp/dormouse-bench.XXXXXX)
RESULTS=$W/results.tsv
: > "$RESULTS"
want() { [[ ",$ONLY," == *",$1,"* ]]; }
log() { printf 'bench: %s\n' "$*" >&2; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"; }   # key, target, value
value() { awk -F'\t' -v k="$1" -v t="$2" '$1==k && $2==t {v=$3} END {print v}' "$RESULTS"; }

# ---------------------------------------------------------------- tools
need=()
for t in wrk:wrk h2load:nghttp2-client iperf3:iperf3 nginx:nginx-light haproxy:haproxy caddy:caddy openssl:openssl curl:curl; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: needs ${need[*]} (Debian packages); run as root to install them" >&2; exit 1; }
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------- dormouse
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  log "building the tarball"
  ./mvnw -B -ntp -q -DskipTests package -pl dist -am >/dev/null
fi
tarball=$(ls -t dist/target/dormouse-*-linux-x64.tar.gz | head -1)
tar -xzf "$tarball" -C "$W"
DM=$(ls -d "$W"/dormouse-*/)
DM=${DM%/}
DMV=$("$DM/bin/dormouse" version | head -1)
PROBE=("$JAVA_HOME/bin/java" "$ROOT/bench/Probe.java")

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$W"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  docker rm -f dm-bench-stop dm-bench-pause dm-bench-up >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_http() {  # host:port vhost
  for _ in $(seq 1 400); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $2" "http://$1/512.bin" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.05
  done
  echo "bench: nothing answers on $1 for $2" >&2; return 1
}

# ---------------------------------------------------------------- upstream and peers
mkdir -p "$W/www"
head -c 512 /dev/urandom | base64 -w0 | head -c 512 > "$W/www/512.bin"
cp "$W/www/512.bin" "$W/www/index.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=bench.local" \
  -addext "subjectAltName=DNS:bench.local" -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
cat "$W/cert.pem" "$W/key.pem" > "$W/haproxy.pem"

cat > "$W/upstream.conf" <<EOF
user root; worker_processes 1; daemon on; pid $W/upstream.pid; error_log $W/upstream.err;
events { worker_connections 20000; }
http {
  access_log off; keepalive_requests 10000000; keepalive_timeout 300s;
  server { listen 127.0.0.1:18080 backlog=4096; root $W/www; location / { } }
}
EOF
nginx -c "$W/upstream.conf" -p "$W"

cat > "$W/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
user root; worker_processes auto; daemon on; pid $W/nginx.pid; error_log $W/nginx.err;
events { worker_connections 20000; }
http {
  access_log off; keepalive_requests 10000000; keepalive_timeout 300s;
  upstream up { server 127.0.0.1:18080; keepalive 128; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:18081 backlog=4096; listen 127.0.0.1:18085 http2; listen 127.0.0.1:18441 ssl http2;
    ssl_certificate $W/cert.pem; ssl_certificate_key $W/key.pem; ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
stream {
  server { listen 127.0.0.1:18211; proxy_pass 127.0.0.1:18201; }
  server { listen 127.0.0.1:18221; listen 127.0.0.1:18221 udp; proxy_pass 127.0.0.1:18201; }
}
EOF
nginx -c "$W/nginx.conf" -p "$W"

cat > "$W/haproxy.cfg" <<EOF
global
  maxconn 8000
  pidfile $W/haproxy.pid
  daemon
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  http-reuse always
frontend web
  bind 127.0.0.1:18082
  bind 127.0.0.1:18442 ssl crt $W/haproxy.pem alpn h2,http/1.1
  default_backend up
backend up
  server s1 127.0.0.1:18080
frontend tcp
  mode tcp
  bind 127.0.0.1:18212
  default_backend iperf
backend iperf
  mode tcp
  server s1 127.0.0.1:18201
EOF
haproxy -f "$W/haproxy.cfg"

cat > "$W/Caddyfile" <<EOF
{
  admin off
  auto_https off
  log {
    output discard
  }
}
http://:18083 {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:18080
}
https://:18443 {
  bind 127.0.0.1
  tls $W/cert.pem $W/key.pem
  reverse_proxy 127.0.0.1:18080
}
EOF
XDG_DATA_HOME=$W XDG_CONFIG_HOME=$W setsid caddy run --config "$W/Caddyfile" --adapter caddyfile >"$W/caddy.log" 2>&1 &
echo $! > "$W/caddy.pid"

# dormouse with 100 HTTP routes (as a homelab has), a TCP route and a TCP+UDP route for iperf3.
https_line=""
tls_block=""
cat > "$W/https-probe.yml" <<EOF
server: {http: "", https: "127.0.0.1:18444", admin: "", data_dir: "$W/probe-data"}
tls: {certificates: [{cert_file: "$W/cert.pem", key_file: "$W/key.pem"}]}
EOF
if "$DM/bin/dormouse" validate --config "$W/https-probe.yml" >/dev/null 2>&1; then
  https_line="  https: \"127.0.0.1:18444\""
  tls_block="tls: {certificates: [{cert_file: \"$W/cert.pem\", key_file: \"$W/key.pem\"}], redirect_http: false}"
  DM_HTTPS=1
else
  DM_HTTPS=
  log "this dormouse has no HTTPS listener: the HTTPS rows are n/a for it"
fi
{
  echo "server:"
  echo "  http: \"127.0.0.1:18084\""
  [ -n "$https_line" ] && echo "$https_line"
  echo "  admin: \"\""
  echo "  data_dir: \"$W/dm-data\""
  [ -n "$tls_block" ] && echo "$tls_block"
  echo "routes:"
  echo "  - {name: web, hosts: [bench.local], target: \"http://127.0.0.1:18080\"}"
  for i in $(seq 1 96); do echo "  - {name: r$i, hosts: [r$i.local], target: \"http://127.0.0.1:18080\"}"; done
  echo "  - {name: tcp, listen: \"tcp://127.0.0.1:18214\", target: \"tcp://127.0.0.1:18201\"}"
  echo "  - {name: udp-control, listen: \"tcp://127.0.0.1:18224\", target: \"tcp://127.0.0.1:18201\"}"
  echo "  - {name: udp, listen: \"udp://127.0.0.1:18224\", target: \"udp://127.0.0.1:18201\"}"
} > "$W/dormouse.yml"
"$DM/bin/dormouse" serve --config "$W/dormouse.yml" >"$W/dormouse.log" 2>&1 &
DMPID=$!
PIDS+=("$DMPID")

wait_http 127.0.0.1:18080 x
wait_http 127.0.0.1:18081 x
wait_http 127.0.0.1:18082 x
wait_http 127.0.0.1:18083 x
wait_http 127.0.0.1:18084 bench.local
# The launcher execs, so the pid is the JVM's.
if want memory; then
  sleep 10
  record rss_idle_100 dormouse "$("${PROBE[@]}" rss "$DMPID")"
fi

# ---------------------------------------------------------------- HTTP
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
wrk_run() {  # key target url [extra wrk args]
  local key=$1 target=$2 url=$3; shift 3
  wrk -t1 -c50 -d"$WARMUP" -H 'Host: bench.local' "$@" "$url" >/dev/null 2>&1 || true
  local out
  out=$(wrk -t1 -c50 -d"$DURATION" --latency -H 'Host: bench.local' "$@" "$url" 2>&1)
  local rps p99 errs
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  errs=$(awk '/Non-2xx|Socket errors/' <<<"$out" | tr -s ' ' | paste -sd ';' -)
  record "$key" "$target" "$rps"
  record "${key}_p99" "$target" "$p99"
  [ -n "$errs" ] && log "$key $target: $errs"
  log "$key $target: $rps req/s, p99 $p99 ms"
}
declare -A HTTP_URL=([direct]=http://127.0.0.1:18080/512.bin [nginx]=http://127.0.0.1:18081/512.bin
  [haproxy]=http://127.0.0.1:18082/512.bin [caddy]=http://127.0.0.1:18083/512.bin [dormouse]=http://127.0.0.1:18084/512.bin)
TARGETS=(direct dormouse nginx haproxy caddy)
if want http; then
  for t in "${TARGETS[@]}"; do wrk_run http_keepalive "$t" "${HTTP_URL[$t]}"; done
  for t in "${TARGETS[@]}"; do wrk_run http_close "$t" "${HTTP_URL[$t]}" -H 'Connection: close'; done
  for t in nginx dormouse; do
    port=$([ "$t" = nginx ] && echo 18085 || echo 18084)
    out=$(h2load -n 200000 -c50 -m10 -H ':authority: bench.local' "http://127.0.0.1:$port/512.bin" 2>&1 || true)
    rps=$(awk '/^finished in/ {gsub(/,/,""); print int($4)}' <<<"$out")
    ok=$(awk '/^requests:/ {print $8}' <<<"$out")
    [ "${ok:-0}" -gt 0 ] 2>/dev/null || rps=""
    record h2c "$t" "$rps"
    log "h2c $t: ${rps:-n/a} req/s"
  done
fi
if want memory; then
  record rss_after_load dormouse "$("${PROBE[@]}" rss "$DMPID")"
  record rss_after_load nginx "$("${PROBE[@]}" rss "$(cat "$W/nginx.pid")" $(pgrep -P "$(cat "$W/nginx.pid")"))"
  record rss_after_load haproxy "$("${PROBE[@]}" rss $(pgrep -f "haproxy -f $W/haproxy.cfg"))"
  record rss_after_load caddy "$("${PROBE[@]}" rss "$(cat "$W/caddy.pid")")"
fi

# ---------------------------------------------------------------- HTTPS
if want https; then
  declare -A HTTPS_URL=([nginx]=https://127.0.0.1:18441/512.bin [haproxy]=https://127.0.0.1:18442/512.bin
    [caddy]=https://127.0.0.1:18443/512.bin [dormouse]=https://127.0.0.1:18444/512.bin)
  for t in dormouse nginx haproxy caddy; do
    if [ "$t" = dormouse ] && [ -z "$DM_HTTPS" ]; then record https_h1 dormouse ""; record https_h2 dormouse ""; continue; fi
    wrk_run https_h1 "$t" "${HTTPS_URL[$t]}"
    hp=${HTTPS_URL[$t]#https://}; hp=${hp%%/*}
    out=$(h2load -n 200000 -c50 -m10 --connect-to="$hp" "https://bench.local:${hp#*:}/512.bin" 2>&1 || true)
    rps=$(awk '/^finished in/ {gsub(/,/,""); print int($4)}' <<<"$out")
    proto=$(awk '/^Application protocol:/ {print $3}' <<<"$out")
    [ "$proto" = h2 ] || rps=""
    record https_h2 "$t" "$rps"
    log "https h2 $t: ${rps:-n/a} req/s"
  done
fi

# ---------------------------------------------------------------- TCP and UDP relay
iperf3 -s -B 127.0.0.1 -p 18201 -D -I "$W/iperf.pid"
sleep 0.5
if want tcp; then
  declare -A TCP_PORT=([direct]=18201 [nginx]=18211 [haproxy]=18212 [dormouse]=18214)
  for t in direct dormouse nginx haproxy; do
    gbps=$(iperf3 -c 127.0.0.1 -p "${TCP_PORT[$t]}" -t 5 2>/dev/null | awk '/receiver/ {v=$7; u=$8; if (u ~ /^M/) v/=1000; printf "%.2f", v}')
    record tcp "$t" "$gbps"
    log "tcp $t: $gbps Gbit/s"
  done
fi
if want udp; then
  declare -A UDP_PORT=([direct]=18201 [nginx]=18221 [dormouse]=18224)
  for t in direct dormouse nginx; do
    # Offered load 2 Gbit/s in 1400-byte datagrams; received rate and loss as the receiver saw them.
    line=$(iperf3 -c 127.0.0.1 -p "${UDP_PORT[$t]}" -u -b 2G -l 1400 -t 5 2>/dev/null | awk '/receiver/' | tail -1)
    mbps=$(awk '{for (i=1;i<=NF;i++) if ($i ~ /bits\/sec/) {v=$(i-1); u=$i; if (u ~ /^G/) v*=1000; if (u ~ /^K/) v/=1000; printf "%.0f", v}}' <<<"$line")
    loss=$(grep -o '([0-9.e+-]*%)' <<<"$line" | tr -d '()%' | tail -1)
    record udp "$t" "$mbps"
    record udp_loss "$t" "$loss"
    log "udp $t: $mbps Mbit/s received, loss ${loss}%"
  done
fi

# ---------------------------------------------------------------- idle CPU (1,000 routes)
if want idle; then
  {
    echo "server: {http: \"127.0.0.1:18700\", admin: \"\", data_dir: \"$W/idle-data\"}"
    echo "routes:"
    for i in $(seq 1 1000); do echo "  - {name: i$i, hosts: [i$i.local], target: \"http://127.0.0.1:18080\"}"; done
  } > "$W/idle.yml"
  "$DM/bin/dormouse" serve --config "$W/idle.yml" >"$W/idle.log" 2>&1 &
  IDLE=$!
  PIDS+=("$IDLE")
  wait_http 127.0.0.1:18700 i1.local
  sleep 35   # past the first health check of every route (spread over one 30 s interval)
  record idle_cpu_1000 dormouse "$("${PROBE[@]}" cpu "$IDLE" 60)"
  record rss_idle_1000 dormouse "$("${PROBE[@]}" rss "$IDLE")"
  kill "$IDLE"; wait "$IDLE" 2>/dev/null || true
  log "idle cpu with 1000 routes: $(value idle_cpu_1000 dormouse)% of a core"
fi

# ---------------------------------------------------------------- start-up
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print ""; else if (NR%2) print a[(NR+1)/2]; else printf "%.1f", (a[NR/2]+a[NR/2+1])/2}'; }
if want startup; then
  for n in 1 100; do
    {
      echo "server: {http: \"127.0.0.1:18710\", admin: \"\", data_dir: \"$W/start-data\"}"
      echo "routes:"
      echo "  - {name: web, hosts: [bench.local], target: \"http://127.0.0.1:18080\"}"
      for i in $(seq 2 "$n"); do echo "  - {name: s$i, hosts: [s$i.local], target: \"http://127.0.0.1:18080\"}"; done
    } > "$W/start-$n.yml"
    ms=$(for _ in $(seq 1 "$RUNS"); do "${PROBE[@]}" startup 127.0.0.1:18710 bench.local 20000 -- "$DM/bin/dormouse" serve --config "$W/start-$n.yml"; done | median)
    record "startup_$n" dormouse "$ms"
    log "start-up to first answer, $n routes: $ms ms"
  done
fi

# ---------------------------------------------------------------- wake (real engine)
if want wake || want startup; then
  if ! bash scripts/test-engine.sh >/dev/null 2>&1; then
    log "no Docker engine: the wake rows are n/a"
    NOENGINE=1
  fi
fi
SOCK=/var/run/docker.sock
httpd() {  # name port
  docker run -d --name "$1" --network host --stop-signal KILL dormouse-test/busybox:latest \
    sh -c "echo ok > /www/512.bin && echo ok > /www/index.html && exec httpd -f -p 127.0.0.1:$2 -h /www" >/dev/null
}
if [ -z "${NOENGINE:-}" ] && { want wake || want startup; }; then
  docker rm -f dm-bench-stop dm-bench-pause dm-bench-up >/dev/null 2>&1 || true
  httpd dm-bench-stop 18301
  httpd dm-bench-pause 18302
  httpd dm-bench-up 18303
  cat > "$W/wake.yml" <<EOF
server: {http: "127.0.0.1:18600", admin: "127.0.0.1:18601", data_dir: "$W/wake-data"}
providers: {docker: [{name: local}]}
routes:
  - {name: stopped, hosts: [stop.local], target: "http://127.0.0.1:18301", container: dm-bench-stop,
     idlewatcher: {idle_timeout: 1h, stop_method: stop, stop_signal: SIGKILL}}
  - {name: paused, hosts: [pause.local], target: "http://127.0.0.1:18302", container: dm-bench-pause,
     idlewatcher: {idle_timeout: 1h, stop_method: pause}}
EOF
fi
if [ -z "${NOENGINE:-}" ] && want startup; then
  cat > "$W/start-docker.yml" <<EOF
server: {http: "127.0.0.1:18710", admin: "", data_dir: "$W/start-docker-data"}
providers: {docker: [{name: local}]}
routes:
  - {name: up, hosts: [bench.local], target: "http://127.0.0.1:18303", container: dm-bench-up, idlewatcher: {idle_timeout: 1h}}
EOF
  ms=$(for _ in $(seq 1 "$RUNS"); do "${PROBE[@]}" startup 127.0.0.1:18710 bench.local 20000 -- "$DM/bin/dormouse" serve --config "$W/start-docker.yml"; done | median)
  record startup_docker dormouse "$ms"
  log "start-up to first answer, a Docker route: $ms ms"
fi
if [ -z "${NOENGINE:-}" ] && want wake; then
  "$DM/bin/dormouse" serve --config "$W/wake.yml" >"$W/wake.log" 2>&1 &
  WAKE=$!
  PIDS+=("$WAKE")
  for _ in $(seq 1 200); do [ -s "$W/wake-data/admin.token" ] && curl -sf http://127.0.0.1:18601/healthz >/dev/null && break; sleep 0.05; done
  TOKEN=$(cat "$W/wake-data/admin.token")
  admin() { curl -sf -X "$1" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18601/api/v1/$2"; }
  asleep() {  # route: sleep it and wait until napping
    admin POST "routes/$1/sleep" >/dev/null || true
    for _ in $(seq 1 400); do admin GET "routes/$1" | grep -q '"state":"napping"' && return 0; sleep 0.025; done
    echo "bench: route $1 did not nap" >&2; return 1
  }
  cid() { docker inspect -f '{{.Id}}' "$1"; }
  for kind in stop pause; do
    route=$([ "$kind" = stop ] && echo stopped || echo paused)
    name=dm-bench-$kind
    port=$([ "$kind" = stop ] && echo 18301 || echo 18302)
    action=$([ "$kind" = stop ] && echo start || echo unpause)
    floor=()
    through=()
    for _ in $(seq 1 "$RUNS"); do
      asleep "$route"
      # The engine's floor: the API call on its socket, then the app polled every millisecond.
      floor+=("$("${PROBE[@]}" floor "$SOCK" "$(cid "$name")" "$action" "127.0.0.1:$port")")
      asleep "$route"
      through+=("$("${PROBE[@]}" get 127.0.0.1:18600 "$kind.local" | awk '$2==200 {print $1}')")
    done
    record "wake_$kind" floor "$(printf '%s\n' "${floor[@]}" | median)"
    record "wake_$kind" dormouse "$(printf '%s\n' "${through[@]}" | grep . | median)"
    log "wake from $kind: dormouse $(value "wake_$kind" dormouse) ms, engine floor $(value "wake_$kind" floor) ms"
  done
  asleep stopped
  read -r ok last p50 p99 < <("${PROBE[@]}" burst 5000 127.0.0.1:18600 stop.local)
  record burst_5000 dormouse "$last"
  record burst_5000_ok dormouse "$ok"
  record burst_5000_p50 dormouse "$p50"
  log "5000 requests on one wake: $ok answered 200, the last after $last ms (p50 $p50 ms)"
  kill "$WAKE"; wait "$WAKE" 2>/dev/null || true
fi

# ---------------------------------------------------------------- the table
bash "$ROOT/bench/report.sh" "$RESULTS" "$DMV" > "$W/benchmarks.md"
cp "$W/benchmarks.md" "$ROOT/docs/benchmarks.md"
sed -n '/^| benchmark/,/^$/p' "$ROOT/docs/benchmarks.md"
log "wrote docs/benchmarks.md (raw numbers: $RESULTS)"
