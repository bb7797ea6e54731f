#!/bin/sh
# startup.sh BINARY DB [RUNS] — how long the server takes from its start to
# its first answer, and its resident memory once the clusters are built.
# It polls four times a second: faster polling with curl steals enough CPU
# from a two-core machine to slow the start it measures.
bin=${1:?usage: startup.sh BINARY DB [RUNS]}; db=${2:?usage: startup.sh BINARY DB [RUNS]}; runs=${3:-3}
port=${PORT:-8093}
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$bin" -addr 127.0.0.1:$port -db "$db" > /tmp/voisinage-startup.log 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/api/collections/actors/items?limit=1"; do sleep 0.25; done
  end=$(date +%s%N)
  sleep 10
  echo "run $i: first answer $(( (end - start) / 1000000 )) ms;" \
    "server log $(grep -o '"startup":"[^"]*"' /tmp/voisinage-startup.log);" \
    "RSS after 10 s $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB, peak $(awk '/VmHWM/{print $2}' /proc/$pid/status) kB"
  kill $pid; wait $pid 2>/dev/null
done
