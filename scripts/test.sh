#!/usr/bin/env bash
# test.sh: what `make test` runs: system packages, go vet, gofmt, and every
# test with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

step "system packages (scripts/deps.sh test)"
bash scripts/deps.sh test
say "$(go version) at $(command -v go)"

if [ ! -f tools/a11y/node_modules/axe-core/axe.min.js ]; then
	step "axe-core for the accessibility checks (npm ci --prefix tools/a11y)"
	npm ci --prefix tools/a11y --no-audit --no-fund
fi

step "go vet"
CGO_ENABLED=0 go vet ./...

step "gofmt"
bash scripts/gofmt.sh check

# The race detector needs cgo; the shipped binaries are still built with
# CGO_ENABLED=0 (make build, make dist). It exists only on some platforms.
race=-race
case $(go env GOOS)/$(go env GOARCH) in
linux/amd64 | linux/arm64 | linux/ppc64le | linux/s390x | linux/riscv64 | linux/loong64 | darwin/* | windows/amd64 | freebsd/amd64) ;;
*)
	race=
	say "no race detector on $(go env GOOS)/$(go env GOARCH): testing without -race"
	;;
esac

step "go test $race -count=1 ./..."
CGO_ENABLED=1 go test $race -count=1 ./...

# tools/dist is a module of its own (nfpm's dependencies stay out of
# numerek's go.mod): make dist's packaging, checked with dpkg-deb.
step "tools/dist: go vet, go test -count=1"
(cd tools/dist && CGO_ENABLED=0 go vet ./... && CGO_ENABLED=0 go test -count=1 ./...)
