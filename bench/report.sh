#!/usr/bin/env bash
# Writes docs/benchmarks.md (to stdout) from bench/run.sh's raw results: the machine, the versions and one
# table of dormouse against its peers and the targets. Usage: report.sh RESULTS.tsv "dormouse VERSION"
set -euo pipefail
results=$1
dmv=$2

v() { awk -F'\t' -v k="$1" -v t="$2" '$1==k && $2==t {x=$3} END {print x}' "$results"; }
fmt() { [ -z "$1" ] && { echo "n/a"; return; }; awk -v x="$1" -v d="${2:-0}" 'BEGIN { printf "%." d "f", x }'; }
kilo() { [ -z "$1" ] && { echo "n/a"; return; }; awk -v x="$1" 'BEGIN { printf "%.1fk", x/1000 }'; }
ratio() { { [ -z "$1" ] || [ -z "$2" ]; } && { echo "n/a"; return; }; awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a/b }'; }
met() { [ -z "$1" ] && { echo "n/a"; return; }; awk "BEGIN { print (($1) ? \"yes\" : \"**no**\") }"; }

ka=$(v http_keepalive dormouse); ka_n=$(v http_keepalive nginx)
p99=$(v http_keepalive_p99 dormouse); p99_n=$(v http_keepalive_p99 nginx)
ws=$(v wake_stop dormouse); ws_f=$(v wake_stop floor)
wp=$(v wake_pause dormouse); wp_f=$(v wake_pause floor)
s1=$(v startup_1 dormouse); s100=$(v startup_100 dormouse); sd=$(v startup_docker dormouse)
ri=$(v rss_idle_100 dormouse); rl=$(v rss_after_load dormouse)
cpu=$(v idle_cpu_1000 dormouse)

cond() { # expression with values; empty when a value is missing
  for x in "${@:2}"; do [ -z "$x" ] && { echo ""; return; }; done
  echo "$1"
}

cat <<EOF
# Benchmarks

Measured by \`bash bench/run.sh\` (it installs wrk, h2load, iperf3, nginx, HAProxy and Caddy from Debian,
builds the tarball and runs every row below in one run; CI does not run it). Everything runs on one machine:
the load generator, the upstream and the proxy share its cores, so the numbers compare the proxies with one
another on the same machine, not with other machines.

- Machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/,"",$2); print $2; exit}'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, Linux $(uname -r)
- Run: $(date -u '+%Y-%m-%d %H:%M UTC')
- $dmv
- nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), HAProxy $(haproxy -v | awk 'NR==1 {print $3}'), Caddy $(caddy version | awk '{print $1}'), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), h2load $(h2load --version | awk '{print $2}'), iperf $(iperf3 --version | awk 'NR==1 {print $2}'), Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo n/a)

## Results

| benchmark | dormouse | nginx | HAProxy | Caddy | direct / engine floor | dormouse vs nginx | target | met |
|---|---|---|---|---|---|---|---|---|
| HTTP/1.1 keep-alive, req/s | $(kilo "$ka") | $(kilo "$ka_n") | $(kilo "$(v http_keepalive haproxy)") | $(kilo "$(v http_keepalive caddy)") | $(kilo "$(v http_keepalive direct)") | $(ratio "$ka" "$ka_n") | ≥ 1.0x nginx | $(met "$(cond "$ka >= $ka_n" "$ka" "$ka_n")") |
| HTTP/1.1 keep-alive, p99 ms | $(fmt "$p99" 2) | $(fmt "$p99_n" 2) | $(fmt "$(v http_keepalive_p99 haproxy)" 2) | $(fmt "$(v http_keepalive_p99 caddy)" 2) | $(fmt "$(v http_keepalive_p99 direct)" 2) | | ≤ nginx + 1 ms | $(met "$(cond "$p99 <= $p99_n + 1" "$p99" "$p99_n")") |
| HTTP/1.1 new connection per request, req/s | $(kilo "$(v http_close dormouse)") | $(kilo "$(v http_close nginx)") | $(kilo "$(v http_close haproxy)") | $(kilo "$(v http_close caddy)") | $(kilo "$(v http_close direct)") | $(ratio "$(v http_close dormouse)" "$(v http_close nginx)") | | |
| h2c (prior knowledge), req/s | $(kilo "$(v h2c dormouse)") | $(kilo "$(v h2c nginx)") | | | | $(ratio "$(v h2c dormouse)" "$(v h2c nginx)") | | |
| HTTPS HTTP/1.1, req/s | $(kilo "$(v https_h1 dormouse)") | $(kilo "$(v https_h1 nginx)") | $(kilo "$(v https_h1 haproxy)") | $(kilo "$(v https_h1 caddy)") | | $(ratio "$(v https_h1 dormouse)" "$(v https_h1 nginx)") | | |
| HTTPS HTTP/2, req/s | $(kilo "$(v https_h2 dormouse)") | $(kilo "$(v https_h2 nginx)") | $(kilo "$(v https_h2 haproxy)") | $(kilo "$(v https_h2 caddy)") | | $(ratio "$(v https_h2 dormouse)" "$(v https_h2 nginx)") | | |
| TCP relay, Gbit/s | $(fmt "$(v tcp dormouse)" 1) | $(fmt "$(v tcp nginx)" 1) | $(fmt "$(v tcp haproxy)" 1) | | $(fmt "$(v tcp direct)" 1) | $(ratio "$(v tcp dormouse)" "$(v tcp nginx)") | | |
| UDP relay, Mbit/s received (loss %) | $(fmt "$(v udp dormouse)") ($(fmt "$(v udp_loss dormouse)" 1)) | $(fmt "$(v udp nginx)") ($(fmt "$(v udp_loss nginx)" 1)) | | | $(fmt "$(v udp direct)") ($(fmt "$(v udp_loss direct)" 1)) | $(ratio "$(v udp dormouse)" "$(v udp nginx)") | | |
| wake from stop, ms to the first answer | $(fmt "$ws" 1) | | | | $(fmt "$ws_f" 1) | | ≤ floor + 10 ms | $(met "$(cond "$ws <= $ws_f + 10" "$ws" "$ws_f")") |
| wake from pause, ms to the first answer | $(fmt "$wp" 1) | | | | $(fmt "$wp_f" 1) | | ≤ 30 ms | $(met "$(cond "$wp <= 30" "$wp")") |
| 5,000 requests on one wake from stop: all answered 200, ms to the last | $(v burst_5000_ok dormouse) in $(fmt "$(v burst_5000 dormouse)" 0) | | | | | | all 200 | $(met "$(cond "$(v burst_5000_ok dormouse) == 5000" "$(v burst_5000_ok dormouse)")") |
| start-up to the first proxied answer, 1 route, ms | $(fmt "$s1" 0) | | | | | | ≤ 500 ms | $(met "$(cond "$s1 <= 500" "$s1")") |
| start-up to the first proxied answer, 100 routes, ms | $(fmt "$s100" 0) | | | | | | ≤ 500 ms | $(met "$(cond "$s100 <= 500" "$s100")") |
| start-up to the first proxied answer, a Docker route, ms | $(fmt "$sd" 0) | | | | | | ≤ 1000 ms | $(met "$(cond "$sd <= 1000" "$sd")") |
| RSS idle, 100 routes, MB | $(fmt "$ri" 0) | | | | | | ≤ 80 MB | $(met "$(cond "$ri <= 80" "$ri")") |
| RSS after the HTTP load, MB | $(fmt "$rl" 0) | $(fmt "$(v rss_after_load nginx)" 0) | $(fmt "$(v rss_after_load haproxy)" 0) | $(fmt "$(v rss_after_load caddy)" 0) | | | ≤ 160 MB | $(met "$(cond "$rl <= 160" "$rl")") |
| CPU idle, 1,000 routes with health checks, % of a core | $(fmt "$cpu" 2) | | | | | | < 1 % | $(met "$(cond "$cpu < 1" "$cpu")") |

## What each row is

- HTTP rows: \`wrk -t1 -c50 -d${BENCH_DURATION:-10s}\` after a warm-up, for a 512-byte static file from an nginx
  upstream (one worker, keep-alive) at 127.0.0.1; every proxy keeps its upstream connections alive. *Direct* is
  wrk against the upstream itself. *New connection per request* sends \`Connection: close\`. h2c and HTTP/2 rows are
  \`h2load -c50 -m10\`. The proxies run with their default worker/thread counts for this machine; dormouse runs
  from the tarball with its launcher's defaults and 100 routes configured.
- TCP: \`iperf3 -t 5\` through each proxy's TCP listener (Caddy has no TCP proxy without a plugin). UDP: \`iperf3 -u
  -b 2G -l 1400 -t 5\`; the rate is what the receiver got (HAProxy has no UDP proxy).
- Wake: a busybox httpd container on the real engine. The engine's floor is the API call on its socket
  (\`POST /containers/{id}/start\` or \`/unpause\`) followed by polling the app every 1 ms; dormouse's number is one
  held request through the proxy to the napping route, from the request until its answer. Medians of ${BENCH_RUNS:-7}.
  The 5,000 requests are sent at once to the napping route; all are held through one wake.
- Start-up: from \`exec\` of \`bin/dormouse serve\` until the first 200 through it, polling every 1 ms (median of ${BENCH_RUNS:-7}).
- RSS: VmRSS of the JVM 10 s after start with 100 routes, and after the HTTP rows; the peers' after the same
  load (nginx: master and workers). CPU idle: 60 s of a daemon with 1,000 routes whose health checks run at
  their default interval (30 s), after the first round of checks.
EOF
