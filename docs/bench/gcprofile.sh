#!/bin/bash
# gcprofile.sh BINARY DB SCENARIO... — the collector's share of the
# server's CPU under wrk load, from CPU profiles (docs/BENCHMARKS.md).
#
# gctrace's "ms cpu" (load.sh) counts a dedicated mark worker's wall time
# as CPU, which on a shared machine is more than it got; a CPU profile
# samples only the time the server ran. For each scenario of wrk.lua this
# runs wrk for 16 s (after a 3 s warm-up), profiles the server for the 10 s
# in the middle, and prints the cores the server used, the share of its
# samples under the collector's mark workers (gcBgMarkWorker), under mark
# assists (gcAssistAlloc) and in allocation (mallocgc), and the profile's
# path (kept in $TMPDIR).
#
# Environment: PORT (18150; the profiler listens on PORT+1), ARGS (extra
# server flags), IDS (the id file; made from DB if missing).
set -u
bin=${1:?usage: gcprofile.sh BINARY DB SCENARIO...}; db=${2:?}; shift 2
port=${PORT:-18150}; pport=$((port + 1))
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/voisinage-gcprofile.$$
mkdir -p "$out"
ids=${IDS:-$out/ids.txt}
[ -s "$ids" ] || sqlite3 "$db" "SELECT id FROM actors WHERE ref % 100 = 7 AND deleted = 0" > "$ids"

"$bin" -addr 127.0.0.1:$port -db "$db" -pprof 127.0.0.1:$pport ${ARGS:-} > "$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/api/clusters?zoom=0"; do sleep 0.25; done
sleep 2

for s in "$@"; do
  wrk -t2 -c16 -d3s --timeout 10s -s "$here/wrk.lua" "http://127.0.0.1:$port" -- "$s" "$ids" > /dev/null
  wrk -t2 -c16 -d16s --timeout 10s -s "$here/wrk.lua" "http://127.0.0.1:$port" -- "$s" "$ids" > "$out/$s.wrk" &
  w=$!
  sleep 3
  curl -sf -o "$out/$s.pprof" "http://127.0.0.1:$pport/debug/pprof/profile?seconds=10"
  wait $w
  top=$(go tool pprof -top -cum "$bin" "$out/$s.pprof" 2>/dev/null)
  total=$(echo "$top" | sed -nE 's/.*Total samples = ([0-9.]+)(m?s).*/\1 \2/p' | awk '{print ($2 == "ms") ? $1 / 1000 : $1}')
  share() { echo "$top" | awk -v f="$1" -v t="$total" '$NF == f { v = $4; sub(/ms$/, "", v) ; if ($4 ~ /ms$/) v /= 1000; else sub(/s$/, "", v); printf "%.1f", 100 * v / t; found = 1 } END { if (!found) printf "0.0" }'; }
  echo "$(grep -E '^[a-z]+: ' "$out/$s.wrk" | cut -d, -f1) | load $(cut -d' ' -f1 /proc/loadavg) | server $(awk -v t="$total" 'BEGIN {printf "%.2f", t / 10}') cores" \
    "| mark workers $(share runtime.gcBgMarkWorker)%, assists $(share runtime.gcAssistAlloc)%, mallocgc $(share runtime.mallocgc)% | $out/$s.pprof"
done
