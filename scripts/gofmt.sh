#!/usr/bin/env bash
# gofmt.sh check|fix: check that every Go file is gofmt'ed, or format them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

mapfile -t files < <(go_sources)
((${#files[@]} == 0)) && exit 0
gofmt=$(go env GOROOT)/bin/gofmt
case ${1:-check} in
check)
	bad=$("$gofmt" -l "${files[@]}")
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad" >&2
		die "these files need gofmt (run: make fmt)"
	fi
	;;
fix)
	"$gofmt" -l -w "${files[@]}"
	;;
*)
	die "gofmt.sh: want check or fix"
	;;
esac
