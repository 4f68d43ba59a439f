# numerek: build, run and test. `make help` lists the targets.
#
# The shipped binaries are pure Go (CGO_ENABLED=0); only the race-detector
# run in `make test` uses cgo. The scripts in scripts/ do the longer work.

SHELL := /bin/bash

# Go from PATH, else where the go.dev tarball puts it.
ifeq ($(shell command -v go 2>/dev/null),)
ifneq ($(wildcard /usr/local/go/bin/go),)
export PATH := /usr/local/go/bin:$(PATH)
endif
endif

GO        ?= go
CONFIG    ?= configs/numerek.toml
DB        ?= var/numerek.db
FUZZTIME  ?= 30s
BENCHTIME ?= 1s

# need_cmds stops with one clear line when cmd/ holds no Go command yet
# (go build would only say "no main packages to build").
define need_cmds
@pkgs=$$(CGO_ENABLED=0 $(GO) list ./cmd/... 2>/dev/null) && [ -z "$$pkgs" ] && \
	{ echo "numerek: nothing to build: no Go command under cmd/ yet" >&2; exit 1; } || true
endef

.PHONY: build run test bench fuzz dist fmt clean help

## build: build every command under cmd/ into bin/
build:
	@bash scripts/deps.sh go
	$(need_cmds)
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/ ./cmd/...

## run: build, then run the controller (and any devices) with CONFIG on DB
run: build
	NUMEREK_CONFIG=$(CONFIG) NUMEREK_DB=$(DB) bash scripts/run.sh

## test: install missing test packages, go vet, gofmt check, go test -race
test:
	@bash scripts/test.sh

## bench: run every benchmark (BENCHTIME each), then cmd/numerek-bench if present
bench:
	@bash scripts/deps.sh go
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...
	@if [ -d cmd/numerek-bench ]; then \
		echo "CGO_ENABLED=0 $(GO) run ./cmd/numerek-bench"; \
		CGO_ENABLED=0 $(GO) run ./cmd/numerek-bench; \
	fi

## fuzz: run every Fuzz test for FUZZTIME each
fuzz:
	@FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

## dist: cross-build for Raspberry-Pi-class boards into dist/linux-arm64 and dist/linux-arm (ARMv7), then the .deb packages (arm64, armhf) in dist/; VERSION=… overrides git describe
dist: VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)
dist:
	@bash scripts/deps.sh go
	$(need_cmds)
	rm -rf dist
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w -X main.version=$(VERSION)' -o dist/linux-arm64/ ./cmd/...
	@# The display loads libGL, so it has a dynamic loader: Go's default for
	@# arm is armel's; armhf's is ld-linux-armhf.so.3.
	GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w -X main.version=$(VERSION) -I /lib/ld-linux-armhf.so.3' -o dist/linux-arm/ ./cmd/...
	@ls -l dist/linux-arm64 dist/linux-arm
	cd tools/dist && SOURCE_DATE_EPOCH=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null)} \
		CGO_ENABLED=0 $(GO) run . -root ../.. -version '$(VERSION)'

## fmt: gofmt every Go file
fmt:
	@bash scripts/gofmt.sh fix

## clean: remove bin/ and dist/ (var/, the local database, is kept)
clean:
	rm -rf bin dist

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
