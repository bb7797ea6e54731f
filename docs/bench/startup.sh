#!/bin/sh
# startup.sh BINARY DB [RUNS] — how long the server takes from its start to
# its first answer (and the CPU time the server had used by then: on a
# shared machine, the part of the wait that is its own work), and its
# resident memory once the clusters are built.
# It polls four times a second: faster polling with curl steals enough CPU
# from a two-core machine to slow the start it measures.
bin=${1:?usage: startup.sh BINARY DB [RUNS]}; db=${2:?usage: startup.sh BINARY DB [RUNS]}; runs=${3:-3}
port=${PORT:-8093}
log=${TMPDIR:-/tmp}/voisinage-startup.$$.log
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$bin" -addr 127.0.0.1:$port -db "$db" > "$log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/api/collections/actors/items?limit=1"; do sleep 0.25; done
  end=$(date +%s%N)
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$pid/stat)
  sleep 10
  echo "run $i: first answer $(( (end - start) / 1000000 )) ms (server CPU $cpu s, load $(cut -d' ' -f1 /proc/loadavg));" \
    "server log $(grep -o '"startup":"[^"]*"' "$log");" \
    "RSS after 10 s $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB, peak $(awk '/VmHWM/{print $2}' /proc/$pid/status) kB"
  kill $pid; wait $pid 2>/dev/null
  rm -f "$log"
done
