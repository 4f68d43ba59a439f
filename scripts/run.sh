#!/usr/bin/env bash
# run.sh: run a whole branch on this machine, from the binaries in bin/
# (make run builds them first). It starts the controller, waits for its
# /healthz, then starts every device binary that exists (bin/dispenser,
# bin/display, bin/announcer) once per config found under configs/devices/
# (configs/devices/<role>*.toml). Ctrl-C or SIGTERM stops them all; so does
# the controller exiting.
#
# Environment:
#   NUMEREK_CONFIG  controller config (default configs/numerek.toml)
#   NUMEREK_DB      bbolt file (default var/numerek.db; var/ is git-ignored)
#   NUMEREK_URL     where to check the controller's /healthz (default: from
#                   the config's listen = "host:port", else 127.0.0.1:8080)
#   NUMEREK_WAIT    seconds to wait for /healthz (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

config=${NUMEREK_CONFIG:-configs/numerek.toml}
db=${NUMEREK_DB:-var/numerek.db}
wait_s=${NUMEREK_WAIT:-30}

bash scripts/deps.sh run
[ -x bin/controller ] || die "bin/controller not built (run: make build)"
[ -f "$config" ] || die "no controller config at $config"

# Where to check health: NUMEREK_URL, else the config's listen address.
url=${NUMEREK_URL:-}
if [ -z "$url" ]; then
	listen=$(sed -n 's/^listen *= *"\([^"]*\)".*/\1/p' "$config" | head -n 1)
	listen=${listen:-127.0.0.1:8080}
	lhost=${listen%:*}
	case $lhost in "" | 0.0.0.0 | "[::]") lhost=127.0.0.1 ;; esac
	url=http://$lhost:${listen##*:}
fi
mkdir -p "$(dirname "$db")"

pids=()  # everything started, controller first
names=() # what each pid is, for messages

# start NAME CMD...: run CMD in the background in its own session, so a
# Ctrl-C reaches only this script, which then stops everything once, in order.
start() {
	local name=$1
	shift
	if command -v setsid >/dev/null 2>&1; then
		setsid "$@" &
	else
		"$@" &
	fi
	pids+=($!)
	names+=("$name")
	say "started $name (pid $!): $*"
}

stopping=
stop_all() {
	[ -n "$stopping" ] && return
	stopping=1
	local pid rev=()
	for pid in "${pids[@]}"; do rev=("$pid" "${rev[@]}"); done
	# Devices first, then the controller; each gets SIGTERM and time to
	# finish what it is doing.
	for pid in "${rev[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
trap 'say "stopping"; stop_all; exit 130' INT
trap 'say "stopping"; stop_all; exit 143' TERM
trap 'stop_all' EXIT

# healthy: whether GET $url/healthz answers 200. Plain bash, so it needs
# neither curl nor wget.
hostport=${url#*://}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=80
healthy() {
	local status=
	{
		printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$hostport" >&3
		IFS= read -r -t 2 status <&3 || true
	} 2>/dev/null 3<>"/dev/tcp/$host/$port" || return 1
	[[ $status == HTTP/1.?" 200"* ]]
}

start controller bin/controller -config "$config" -db "$db"
ctl=${pids[0]}
deadline=$((SECONDS + wait_s))
until healthy; do
	if ! kill -0 "$ctl" 2>/dev/null; then
		code=0
		wait "$ctl" || code=$?
		pids=()
		die "controller exited (status $code) before $url/healthz answered"
	fi
	((SECONDS < deadline)) || die "controller not healthy at $url/healthz after ${wait_s}s (set NUMEREK_URL if it listens elsewhere)"
	sleep 0.2
done
say "controller healthy at $url"
say "open in a browser:"
say "  $url/                    start page"
say "  $url/clerk               clerk terminal (demo login: anna / numerek)"
say "  $url/kiosk?token=demo-centrum-kiosk   touch-screen kiosk of Centrum"
say "  $url/display/centrum     hall screen of Centrum (and /display/centrum/1 for counter 1)"
say "  $url/book                online booking (the codes land in the outbox below)"
say "  $url/manager             figures for office managers (demo login: ewa / numerek), and /devices"
say "  $url/dev/outbox          SMS and e-mails the e-ticket and the booking would have sent"
say "  the QR code on every ticket opens its e-ticket: $url/t/<token>"

# Devices. Each role's binary takes -config FILE; the config names the
# controller URL and the device token.
for role in dispenser display announcer; do
	[ -x "bin/$role" ] || continue
	for cfg in configs/devices/"$role"*.toml; do
		[ -f "$cfg" ] || continue
		if [ "$role" = display ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
			say "no DISPLAY or WAYLAND_DISPLAY: not starting bin/display for $cfg"
			continue
		fi
		start "$role $(basename "$cfg" .toml)" "bin/$role" -config "$cfg"
	done
done

say "running ${#pids[@]} process(es); Ctrl-C stops them all"

# Wait for any child to end. The controller ending ends the run; a device
# ending is reported and the rest keep going.
while ((${#pids[@]} > 0)); do
	done_pid=
	code=0
	wait -n -p done_pid "${pids[@]}" || code=$?
	[ -n "$done_pid" ] || continue
	for i in "${!pids[@]}"; do
		[ "${pids[i]}" = "$done_pid" ] || continue
		say "${names[i]} exited (status $code)"
		if ((i == 0)); then
			unset 'pids[i]' 'names[i]'
			stop_all
			exit "$code"
		fi
		unset 'pids[i]' 'names[i]'
	done
	pids=("${pids[@]}")
	names=("${names[@]}")
done
