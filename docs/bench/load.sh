#!/bin/bash
# load.sh BINARY DB SCENARIO... — the wrk load benchmark of docs/BENCHMARKS.md.
#
# Starts BINARY on DB with GODEBUG=gctrace=1, waits for the clusters, then
# for each run (RUNS, default 3) and each scenario (those of wrk.lua, plus
# "same": one item, always the same id, and "bare": the same bytes from a
# bare gin engine, `BINARY ceiling`) runs
#   wrk -t2 -c16 -d$DUR --latency -s docs/bench/wrk.lua URL -- SCENARIO IDFILE
# The scenarios of a run are interleaved, so that the machine's load weighs
# on all of them alike. Each line gives the machine's load average, wrk's
# rate and latencies, the server's CPU time per request (from
# /proc/PID/stat: user + system, whatever else runs on the machine) and the
# share of that CPU the garbage collector took (the "ms cpu" of the
# gctrace lines written during the run, idle marking left out; it counts
# a mark worker's wall time, so on a busy machine it overstates: see
# gcprofile.sh) and, from the server's own latency histogram (/metrics),
# the share of the run's requests it served within 10 and 25 ms — what
# the server took, apart from the time wrk and the kernel made them wait.
#
# Environment: RUNS (3), DUR (20s), PORT (18150), ARGS (extra server flags),
# IDS (the id file; made from DB if missing).
set -u
bin=${1:?usage: load.sh BINARY DB SCENARIO...}; db=${2:?}; shift 2
runs=${RUNS:-3}; dur=${DUR:-20s}; port=${PORT:-18150}
here=$(cd "$(dirname "$0")" && pwd)
tmp=${TMPDIR:-/tmp}/voisinage-load.$$
mkdir -p "$tmp"
ids=${IDS:-$tmp/ids.txt}
[ -s "$ids" ] || sqlite3 "$db" "SELECT id FROM actors WHERE ref % 100 = 7 AND deleted = 0" > "$ids"
hz=$(getconf CLK_TCK)

GODEBUG=gctrace=1 "$bin" -addr 127.0.0.1:$port -db "$db" ${ARGS:-} > "$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; [ -n "${bpid:-}" ] && kill $bpid 2>/dev/null; rm -rf "$tmp"' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/api/clusters?zoom=0"; do sleep 0.25; done
sleep 2
if [[ " $* " == *" bare "* ]]; then
  id=$(head -1 "$ids")
  "$bin" ceiling -addr 127.0.0.1:$((port + 1)) -url "http://127.0.0.1:$port/api/collections/actors/items/$id" > "$tmp/bare.log" 2>&1 &
  bpid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$((port + 1))/"; do sleep 0.25; done
fi

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# served: the requests the server has counted in total, within 10 ms and
# within 25 ms (every route, the metrics' own excepted).
served() {
  curl -sf "http://127.0.0.1:$port/metrics" | awk '
    /^voisinage_http_request_duration_seconds_bucket/ && !/route="\/metrics"/ {
      if ($0 ~ /le="0.01"/) a += $NF; else if ($0 ~ /le="0.025"/) b += $NF; else if ($0 ~ /le="\+Inf"/) n += $NF }
    END { printf "%d %d %d", n, a, b }'
}

for run in $(seq 1 "$runs"); do
  for s in "$@"; do
    target=$pid url=http://127.0.0.1:$port scen=$s
    if [ "$s" = bare ] || [ "$s" = same ]; then
      # One item by the same id: from the server itself (same) or from the
      # bare handler serving its bytes (bare).
      head -1 "$ids" > "$tmp/one.txt"
      scen=item
      if [ "$s" = bare ]; then target=$bpid url=http://127.0.0.1:$((port + 1)); fi
    fi
    # Warm up (the tiles and clusters of a view are kept once made).
    wrk -t2 -c16 -d3s --timeout 10s -s "$here/wrk.lua" "$url" -- "$scen" "$( [ "$scen" = item ] && [ "$s" != item ] && echo "$tmp/one.txt" || echo "$ids")" > /dev/null
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    lines=$(wc -l < "$tmp/server.log")
    c0=$(cpu "$target"); h0=$(served)
    out=$(wrk -t2 -c16 -d"$dur" --timeout 10s --latency -s "$here/wrk.lua" "$url" -- "$scen" "$( [ "$scen" = item ] && [ "$s" != item ] && echo "$tmp/one.txt" || echo "$ids")")
    c1=$(cpu "$target"); h1=$(served)
    reqs=$(echo "$out" | awk '/requests in/{print $1}')
    gc=$(tail -n +"$((lines + 1))" "$tmp/server.log" | grep -a '^gc [0-9]' |
      sed -E 's/.*, ([0-9.]+)\+([0-9.]+)\/([0-9.]+)\/([0-9.]+)\+([0-9.]+) ms cpu.*/\1 \2 \3 \5/' |
      awk '{s += $1 + $2 + $3 + $4; n++} END {printf "%.0f %d", s, n}')
    echo "$out" | grep -E '^[a-z]+: ' | tr -d '\n'
    awk -v r="$run" -v l="$load" -v c0="$c0" -v c1="$c1" -v n="$reqs" -v hz="$hz" -v gc="$gc" -v s="$s" -v h0="$h0" -v h1="$h1" 'BEGIN {
      split(gc, g, " "); cpums = (c1 - c0) * 1000 / hz
      printf " | %s run %d load %s | cpu %.4f ms/req | gc %d cycles, %.1f%% of cpu", s, r, l, cpums / n, g[2], 100 * g[1] / (cpums > 0 ? cpums : 1)
      split(h0, a, " "); split(h1, b, " "); m = b[1] - a[1]
      if (s != "bare" && m > 0) printf " | server: %.2f%% within 10 ms, %.2f%% within 25 ms", 100 * (b[2] - a[2]) / m, 100 * (b[3] - a[3]) / m
      printf "\n"
    }'
  done
done
echo "RSS $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB, peak $(awk '/VmHWM/{print $2}' /proc/$pid/status) kB"
