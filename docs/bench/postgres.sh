#!/bin/sh
# postgres.sh VOISINAGE_BINARY WORKDIR [ROUNDS [SECONDS]] — the PostgreSQL
# figures of docs/BENCHMARKS.md: reads per second (wrk, 16 connections)
# with one server on SQLite, one server on PostgreSQL, and two servers on
# one PostgreSQL database (two wrk of 8 connections at once, one per
# server, summed), in interleaved rounds so that the machine's noise falls
# on each alike. The real data; a durable PostgreSQL cluster (fsync on) on
# port 18187; servers on 18180 (SQLite), 18181 and 18182 (PostgreSQL).
# Run from the repository's root, as root (the cluster runs as the postgres
# user) or as a user that may run initdb. It stops what it started.
set -eu
bin=$(realpath "$1"); dir=$(realpath "$2"); rounds=${3:-3}; secs=${4:-10}
lua=$(realpath docs/bench/wrk.lua)
pg=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$dir" && cd "$dir" && rm -rf pg lite.db* && mkdir pg
[ "$(id -u)" = 0 ] && chown postgres pg
as "$pg/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 -N >/dev/null
cat >>pg/data/postgresql.conf <<EOF
listen_addresses = '127.0.0.1'
port = 18187
unix_socket_directories = '$dir/pg'
shared_buffers = 256MB
EOF
as "$pg/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w start >/dev/null
psql -h 127.0.0.1 -p 18187 -U postgres -qc "CREATE DATABASE voisinage"
url='postgres://postgres@127.0.0.1:18187/voisinage'
"$bin" -addr 127.0.0.1:18180 -db lite.db -log-format json >lite.log 2>&1 & s=$!
"$bin" -addr 127.0.0.1:18181 -db "$url" -log-format json >a.log 2>&1 & a=$!
cleanup() { kill $s $a ${b:-} 2>/dev/null || true; as "$pg/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 1' INT TERM
for p in 18180 18181; do until curl -sf -o /dev/null http://127.0.0.1:$p/readyz; do sleep 1; done; done
"$bin" -addr 127.0.0.1:18182 -db "$url" -log-format json >b.log 2>&1 & b=$!
until curl -sf -o /dev/null http://127.0.0.1:18182/readyz; do sleep 1; done
sqlite3 lite.db "SELECT id FROM actors WHERE ref % 10 = 7" >ids.txt

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
echo "uptime: $(uptime)"
echo "round scenario sqlite-1 postgres-1 postgres-2"
for r in $(seq 1 "$rounds"); do
  for sc in items nearby item; do
    wrk -t2 -c16 -d"${secs}s" -s "$lua" http://127.0.0.1:18180 -- $sc ids.txt >w1 2>&1
    one=$(rate w1)
    wrk -t2 -c16 -d"${secs}s" -s "$lua" http://127.0.0.1:18181 -- $sc ids.txt >w2 2>&1
    pg1=$(rate w2)
    wrk -t1 -c8 -d"${secs}s" -s "$lua" http://127.0.0.1:18181 -- $sc ids.txt >w3 2>&1 &
    w=$!
    wrk -t1 -c8 -d"${secs}s" -s "$lua" http://127.0.0.1:18182 -- $sc ids.txt >w4 2>&1
    wait $w
    pg2=$(awk -v x="$(rate w3)" -v y="$(rate w4)" 'BEGIN {printf "%.0f", x + y}')
    echo "$r $sc $one $pg1 $pg2"
  done
done
echo "uptime: $(uptime)"
grep -h '"directory loaded"\|"serving"' lite.log a.log b.log
echo "database size: $(psql -h 127.0.0.1 -p 18187 -U postgres -Atc "SELECT pg_size_pretty(pg_database_size('voisinage'))")"
for p in $s $a $b; do echo "server $p resident: $(awk '/VmRSS/ {print $2, $3}' /proc/$p/status)"; done
