# roamfs — see README.md. `make demo` and `make test` do everything on a fresh machine.
GO      ?= go
BIN     := bin/roamfs
PKGS    := ./journal/ ./policy/ ./store/... ./syncer/ ./overlay/ ./fs/... ./cachedir/ ./cmd/... ./service/ ./login/ ./winevent/... ./internal/... ./event/ ./session/
SHARED  ?= ../shared

.PHONY: install build test unit cgofuse cgofuse-portable windows e2e contract demo bench bench-quick bench-micro bench-scale stress lint fuzz fuzz-short clean

# The version `roamfs version` reports: the nearest tag, else the commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

build:
	$(GO) build -buildvcs=auto -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/roamfs

# Unit tests with the race detector, then the end-to-end tests through real
# mounts (one package at a time: mounts must not race each other), then the CLI
# contract administrators' scripts rely on.
test: lint unit cgofuse cgofuse-portable windows wine e2e contract

unit:
	$(GO) test -race -count=1 $(PKGS)

e2e:
	$(GO) test -count=1 -p 1 -timeout 10m ./test/

contract:
	@if [ -f $(SHARED)/acceptance/contract.py ]; then python3 $(SHARED)/acceptance/contract.py; \
	else echo "contract: $(SHARED)/acceptance/contract.py not found, skipped"; fi

demo: build
	bash scripts/demo.sh $(BIN)

# The benchmark table of issue 8 (root; about 14 minutes): native, go-fuse
# loopback and roamfs side by side, logoff/logon against rsync and cp, the
# journal's durable append rate and the daemon's peak RSS; results in bench/results.
bench:
	bash scripts/bench.sh

bench-quick:
	bash scripts/bench.sh -quick

# The morning logon storm of issue 17 (not root; about 5 minutes): 100 users
# (200-file profiles) and 1,000 users (20-file profiles) each log on, change 5
# files and log off, 10 logons a second, against one private versitygw and
# one directory store, through the syncer API (no FUSE mounts); p50/p99 logon
# and logoff, store calls per session and per second, errors.
bench-scale:
	@mkdir -p bench/results
	$(GO) run ./bench/cmd/rfstorm -out bench/results/$$(date +%Y%m%d-%H%M%S)-storm.md $(STORM_FLAGS)

# The reliability run of issue 12 (root; about 10 minutes; not part of
# `make test`): stress-ng's filesystem stressors with --verify and the
# random-operation differential test at scale in roamfs mounts, then a logoff
# whose server copy must equal the mount; prints the logoff time, the record
# count and the daemon's peak RSS. Knobs: see scripts/stress.sh.
stress:
	bash scripts/stress.sh

# Go micro-benchmarks: the journal's append path and the merge decision.
bench-micro:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 3 ./journal/ ./syncer/

# go vet, gofmt and staticcheck with its default checks (no staticcheck.conf).
# staticcheck is pinned to v0.8.2 (staticcheck 2026.2.2, whose module
# requires Go 1.26, the Go this module is built with); .ci/run installs the
# same version with `go install honnef.co/go/tools/cmd/staticcheck@v0.8.2`. It runs once per
# build configuration, since each compiles other files: Linux, the cgofuse
# front end on libfuse 3 over either overlay backend, and Windows (the
# packages that build there, as `make windows` vets them).
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
WINDOWS_PKGS := ./fs/cgofuse/ ./overlay/ ./journal/ ./policy/ ./store/... ./syncer/ ./cachedir/ ./cmd/roamfs/ ./service/ ./session/ ./winevent/... ./event/ ./internal/...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))' || { \
		echo "lint: staticcheck $(STATICCHECK_VERSION) not found at $(STATICCHECK);" \
			"go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; exit 1; }
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags fuse3 ./fs/cgofuse/
	$(STATICCHECK) -tags fuse3,roamfs_portable ./overlay/ ./fs/cgofuse/
	GOOS=windows $(STATICCHECK) $(WINDOWS_PKGS)

# Install the binary and its man pages (generated from the commands, so
# they say what --help says).
PREFIX ?= /usr/local
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/roamfs
	$(BIN) docs $(DESTDIR)$(PREFIX)/share/man/man1

clean:
	rm -rf bin

# The cgofuse front end (the adapter WinFsp runs on Windows) through libfuse 3,
# with the same conformance suite as go-fuse; then the Windows cross-builds
# (no cgo: WinFsp is loaded at run time) and go vet for Windows.
.PHONY: cgofuse cgofuse-portable windows
cgofuse:
	$(GO) vet -tags fuse3 ./fs/cgofuse/
	$(GO) test -race -count=1 -tags fuse3 ./fs/cgofuse/

# The same with the portable overlay backend (os.Root), the one Windows runs:
# its unit tests and the conformance suite through libfuse 3.
cgofuse-portable:
	$(GO) vet -tags fuse3,roamfs_portable ./overlay/ ./fs/cgofuse/
	$(GO) test -race -count=1 -tags roamfs_portable ./overlay/
	$(GO) test -race -count=1 -tags fuse3,roamfs_portable ./fs/cgofuse/

windows:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build ./fs/cgofuse/
	GOOS=windows GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./fs/cgofuse/
	GOOS=windows GOARCH=amd64 $(GO) vet ./fs/cgofuse/
	GOOS=windows GOARCH=amd64 $(GO) vet ./overlay/
	GOOS=windows GOARCH=arm64 $(GO) vet ./fs/cgofuse/
	GOOS=windows $(GO) vet ./journal/ ./policy/ ./store/ ./syncer/ ./cachedir/
	GOOS=windows GOARCH=amd64 $(GO) vet ./cmd/roamfs/ ./service/ ./session/
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/roamfs/
	GOOS=windows GOARCH=amd64 $(GO) vet ./winevent/... ./internal/... ./event/ ./session/

# The network provider DLL Winlogon calls before the profile loads
# (winlogon/np), cross-built with MinGW-w64 (amd64 only: Debian has no
# aarch64 MinGW); shipped beside roamfs.exe.
MINGW_CC ?= x86_64-w64-mingw32-gcc
NPDLL    ?= bin/roamfsnp.dll
.PHONY: np wine
np: $(NPDLL)
$(NPDLL): winlogon/np/roamfsnp.c winlogon/np/roamfsnp.def
	@mkdir -p $(dir $@)
	$(MINGW_CC) -O2 -Wall -Wextra -Werror -shared -o $@ $^ -ladvapi32

# The Windows code under Wine (issue 19): the *_windows_test.go files, the
# network provider DLL's exports, in a Wine prefix cached in
# ~/.cache/roamfs-wine (ROAMFS_WINE_CACHE). See scripts/wine-test.sh.
wine:
	bash scripts/wine-test.sh

# Fuzzing: the policy parser, the journal's record and base decoders, path
# checks. `make test` runs their seed corpora (plain go test); new random
# inputs come from `make fuzz`, kept out of `make test` because a fresh find
# would fail CI at random. Add what it finds to the seeds.
FUZZ_TARGETS := policy:FuzzParse journal:FuzzDecodeRecord journal:FuzzDecodeBase store:FuzzCheckRel internal/junction:FuzzDecode
FUZZTIME ?= 120s

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3s

fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$fn ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg/ || exit 1; done
