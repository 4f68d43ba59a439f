#!/usr/bin/env bash
# deps.sh MODE: make sure this machine has what `make MODE` needs.
#
#   go    Go 1.26 or newer (every mode checks this first)
#   run   what `make run` needs: Go, and the X11/OpenGL libraries of the
#         screens where there is a display
#   test  what `make test` needs: gcc for the race detector, Chromium for
#         browser tests, Xvfb and the Mesa/X11 libraries for display tests,
#         espeak-ng and sox for audio tests, npm for axe-core (the
#         accessibility checks of the browser tests), qemu-user-static to
#         run the arm64 controller (tools/disttest)
#
# Missing Debian packages are installed with apt-get when run as root;
# otherwise it stops with one line saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

mode=${1:-go}
min_go_minor=26 # go.mod says go 1.26.0

check_go() {
	if ! command -v go >/dev/null 2>&1; then
		die "Go not found; install Go >= 1.$min_go_minor from go.dev (Debian's golang-go is too old)"
	fi
	local v
	# Outside the module, so an older Go reports itself instead of
	# trying to fetch the toolchain go.mod asks for.
	v=$(cd / && GOTOOLCHAIN=local go env GOVERSION 2>/dev/null) || v=unknown
	if [[ $v =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= min_go_minor)); then
		return 0
	fi
	if [[ $v == devel* ]]; then
		return 0
	fi
	die "$(command -v go) is $v; install Go >= 1.$min_go_minor from go.dev (Debian's golang-go is too old)"
}

# installed PKG: whether the Debian package PKG is installed.
installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# ensure_debs PKG...: install whichever of the packages are missing.
ensure_debs() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		say "not a Debian system, cannot check packages; tests may need: $*" >&2
		return 0
	fi
	local missing=() p
	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}"
	fi
	say "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update
	apt-get -q install -y --no-install-recommends "${missing[@]}"
}

test_debs=(
	chromium                      # browser tests (chromedp)
	xvfb xauth                    # display tests under a virtual X server
	libgl1 libgl1-mesa-dri        # Ebiten's OpenGL at run time
	libx11-6 libxcursor1 libxext6 libxi6 libxinerama1 libxrandr2 libxrender1
	espeak-ng sox                 # the Polish clip bank and audio tests
	qemu-user-static              # the arm64 controller of make dist (tools/disttest)
)

check_go
case $mode in
go | build) ;;
run)
	# The screens' windows need the X11 and OpenGL libraries, but only
	# where there is a display to open them on.
	if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
		ensure_debs libgl1 libgl1-mesa-dri libx11-6 libxcursor1 libxext6 libxi6 libxinerama1 libxrandr2 libxrender1
	fi
	;;
test)
	debs=("${test_debs[@]}")
	# go test -race needs cgo: a C compiler and the C library headers.
	if ! command -v gcc >/dev/null 2>&1 || ! installed libc6-dev; then
		debs+=(build-essential)
	fi
	# npm fetches axe-core from the npm registry (tools/a11y).
	if ! command -v npm >/dev/null 2>&1; then
		debs+=(npm)
	fi
	ensure_debs "${debs[@]}"
	;;
*)
	die "deps.sh: unknown mode '$mode' (want go, run or test)"
	;;
esac
