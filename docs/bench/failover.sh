#!/bin/sh
# failover.sh VOISINAGE_BINARY WORKDIR — the failover experiment of
# docs/RELIABILITY.md, by hand: a PostgreSQL primary (port 18185) with a
# synchronous streaming standby (18186), two voisinage servers (18181,
# 18182) on them, a moderator editing one actor per request through the
# first while a reader polls the second; the primary is killed, the standby
# promoted 5 s later. It prints, from the kill, the statuses of the writes
# and reads, then checks that every acknowledged write is on the promoted
# standby. Run as root (the clusters run as the postgres user) or as a user
# that may run initdb. It stops what it started.
set -eu
bin=$(realpath "$1"); dir=$(realpath "$2")
pg=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$dir" && cd "$dir" && rm -rf p1 p2 stop && mkdir p1 p2
[ "$(id -u)" = 0 ] && chown postgres p1 p2

# The primary, then its standby (pg_basebackup -R), synchronous.
as "$pg/initdb" -D "$dir/p1/data" -U postgres --auth=trust -E UTF8 -N >/dev/null
cat >>p1/data/postgresql.conf <<EOF
listen_addresses = '127.0.0.1'
port = 18185
unix_socket_directories = '$dir/p1'
EOF
as "$pg/pg_ctl" -D "$dir/p1/data" -l "$dir/p1/log" -w start >/dev/null
as "$pg/pg_basebackup" -h 127.0.0.1 -p 18185 -U postgres -D "$dir/p2/data" -R -X stream -c fast
cat >>p2/data/postgresql.auto.conf <<EOF
port = 18186
unix_socket_directories = '$dir/p2'
primary_conninfo = 'host=127.0.0.1 port=18185 user=postgres application_name=standby1'
EOF
as "$pg/pg_ctl" -D "$dir/p2/data" -l "$dir/p2/log" -w start >/dev/null
psql -h 127.0.0.1 -p 18185 -U postgres -qc "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" \
  -c "SELECT pg_reload_conf()" -c "CREATE DATABASE voisinage" >/dev/null

# Two servers, started together (one fills the database, the other waits).
url='postgres://postgres@127.0.0.1:18185,127.0.0.1:18186/voisinage'
rep='postgres://postgres@127.0.0.1:18186/voisinage'
# The writer passes as many clients behind a proxy (X-Forwarded-For), or
# the per-address write limit (60 at once, then one a second) would cap it.
"$bin" -addr 127.0.0.1:18181 -db "$url" -db-replica "$rep" -log-format json -trusted-proxy 127.0.0.1 >a.log 2>&1 & a=$!
"$bin" -addr 127.0.0.1:18182 -db "$url" -db-replica "$rep" -log-format json -trusted-proxy 127.0.0.1 >b.log 2>&1 & b=$!
cleanup() {
  touch stop; kill $a $b 2>/dev/null || true
  as "$pg/pg_ctl" -D "$dir/p1/data" -m immediate stop >/dev/null 2>&1 || true
  as "$pg/pg_ctl" -D "$dir/p2/data" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for p in 18181 18182; do
  until curl -sf -o /dev/null http://127.0.0.1:$p/readyz; do sleep 1; done
done
VOISINAGE_PASSWORD='moderator passphrase' "$bin" user add -db "$url" -email mod@ops.test -name Modération -role moderator 2>/dev/null
psql -h 127.0.0.1 -p 18185 -U postgres -d voisinage -Atc \
  "SELECT id FROM actors WHERE kind = 'commune' AND lon IS NOT NULL AND departement IN ('88', '54') ORDER BY ref LIMIT 1000" >ids.txt

# The writer (through A) and the reader (through B).
curl -s -c jar -H 'Content-Type: application/json' -d '{"email":"mod@ops.test","password":"moderator passphrase"}' \
  http://127.0.0.1:18181/api/login >/dev/null
: >writes; : >reads
(n=0; while read -r id && [ ! -f stop ]; do
  n=$((n+1)); phone=$(printf '03 29 %02d %02d %02d' $((n/10000%100)) $((n/100%100)) $((n%100)))
  r=$(curl -s -m 20 -b jar -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.0.$((n/200)).$((n%200+1))" -w '\n%{http_code}' \
    -d "{\"target_type\":\"actor\",\"target_id\":\"$id\",\"action\":\"update\",\"base_version\":1,\"changes\":{\"phone\":\"$phone\"}}" \
    http://127.0.0.1:18181/api/proposals)
  echo "$(date +%s.%N) $(echo "$r" | tail -1) $(echo "$r" | head -1 | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2) $id $phone" >>writes
  sleep 0.02
done <ids.txt) &
(while [ ! -f stop ]; do
  echo "$(date +%s.%N) $(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:18182/api/collections/actors/items/commune-88160) $(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:18182/readyz)" >>reads
  sleep 0.1
done) &
sleep 6
kill_at=$(date +%s.%N)
as "$pg/pg_ctl" -D "$dir/p1/data" -m immediate -w stop >/dev/null
sleep 5
as "$pg/pg_ctl" -D "$dir/p2/data" -w promote >/dev/null
promoted=$(date +%s.%N)
sleep 12; touch stop; sleep 3

echo "killed the primary at 0; the standby was promoted at $(awk -v a="$kill_at" -v b="$promoted" 'BEGIN {printf "%+.2f", b - a}') s"
echo "writes through A (count, first at, status):"
awk -v t="$kill_at" '{printf "%+.2f %s\n", $1 - t, $2}' writes | uniq -f1 -c
echo "reads through B (count, first at, actor, /readyz):"
awk -v t="$kill_at" '{printf "%+.2f %s %s\n", $1 - t, $2, $3}' reads | uniq -f1 -c
awk '$2 == 201 {print $3, $5, $6, $7, $8, $9}' writes | while read -r pid p1 p2 p3 p4 p5; do
  got=$(psql -h 127.0.0.1 -p 18186 -U postgres -d voisinage -Atc \
    "SELECT p.status || '|' || a.phone FROM proposals p JOIN actors a ON a.id = p.target_id WHERE p.id = $pid")
  [ "$got" = "approved|$p1 $p2 $p3 $p4 $p5" ] || { echo "LOST: proposal $pid ($got)"; }
done
echo "acknowledged: $(awk '$2 == 201' writes | wc -l); refused: $(awk '$2 != 201' writes | wc -l); every acknowledged write checked above"
echo "A: $(curl -s http://127.0.0.1:18181/readyz)"
echo "B: $(curl -s http://127.0.0.1:18182/readyz)"
