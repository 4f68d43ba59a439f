#!/usr/bin/env bash
# fuzz.sh: run every Fuzz test in the module, one after the other, each for
# FUZZTIME (default 30s). New failing inputs land in testdata/fuzz/ of the
# package; commit them, they become regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

fuzztime=${FUZZTIME:-30s}
bash scripts/deps.sh go

# go test -list prints a package's matching names, then its "ok <pkg>" line.
list=$(CGO_ENABLED=0 go test -list '^Fuzz' ./...)
targets=()
names=()
while IFS= read -r line; do
	case $line in
	Fuzz*) names+=("$line") ;;
	"ok "*)
		pkg=$(awk '{print $2}' <<<"$line")
		for n in "${names[@]}"; do targets+=("$pkg $n"); done
		names=()
		;;
	*) names=() ;;
	esac
done <<<"$list"

if ((${#targets[@]} == 0)); then
	say "no Fuzz tests yet"
	exit 0
fi
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	step "fuzz $pkg $name for $fuzztime"
	CGO_ENABLED=0 go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg"
done
step "fuzzed ${#targets[@]} targets for $fuzztime each"
