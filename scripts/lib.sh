# lib.sh: what the numerek scripts share. Source it, do not run it.
#
# It finds Go (the one on PATH, else /usr/local/go/bin, where the go.dev
# tarball installs) and gives the scripts one way to print.

# say prints one line to stdout, prefixed so it stands out from tool output.
say() { printf 'numerek: %s\n' "$*"; }

# die prints one line to stderr and exits 1.
die() { printf 'numerek: %s\n' "$*" >&2; exit 1; }

# step prints a heading for one stage of a longer run.
step() { printf '\n==> %s\n' "$*"; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

# go_sources lists the Go files gofmt should see: everything but build
# output, local state and testdata (which may hold deliberately odd files).
go_sources() {
	find . \( -path ./.git -o -path ./bin -o -path ./dist -o -path ./var \
		-o -name testdata -o -name node_modules \) -prune \
		-o -type f -name '*.go' -print
}
