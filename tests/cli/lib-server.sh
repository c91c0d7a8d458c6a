# tests/cli/lib-server.sh: start and stop the loopback stand-in servers of
# tests/servers/ from a CLI test (source it after lib.sh).
#
#   start_server NAME SCRIPT [ARG]...   run tests/servers/SCRIPT with
#       --port-file $T/NAME.port --log $T/NAME.log --faults $T/NAME.faults,
#       wait (bounded) until it has written its port; sets SERVER_PORT
#   server_port NAME      print the port
#   stop_server NAME      SIGTERM it and wait for it
#   faults NAME JSON      replace the server's fault rules (see common.py)
#   requests NAME [EXPR]  print the recorded requests, one JSON a line, or
#                         with EXPR (a python expression on r) only those
#                         where it holds
#   count_requests NAME [EXPR]
# Every server still running is stopped when the test exits.
SERVERS_DIR="$top_srcdir/tests/servers"
servers_started=""

stop_server() {
	pidf="$T/$1.pid"
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$pidf"
}

stop_servers() {
	for s in $servers_started; do stop_server "$s"; done
}
trap 'stop_servers; rm -rf "$T"' EXIT

start_server() {
	name=$1
	script=$2
	shift 2
	rm -f "$T/$name.port"
	: >"$T/$name.log"
	[ -f "$T/$name.faults" ] || printf '[]\n' >"$T/$name.faults"
	"${PYTHON3:-python3}" "$SERVERS_DIR/$script" --port-file "$T/$name.port" \
		--log "$T/$name.log" --faults "$T/$name.faults" "$@" 2>"$T/$name.stderr" &
	echo $! >"$T/$name.pid"
	servers_started="$servers_started $name"
	i=0
	while [ ! -s "$T/$name.port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$(cat "$T/$name.pid")" 2>/dev/null; then
			say "Bail out! server $script did not start"
			sed 's/^/#   /' "$T/$name.stderr"
			exit 99
		fi
		sleep 0.05
	done
	SERVER_PORT=$(cat "$T/$name.port")
}

server_port() { cat "$T/$1.port"; }

faults() {
	printf '%s\n' "$2" >"$T/$1.faults.tmp" && mv "$T/$1.faults.tmp" "$T/$1.faults"
}

requests() {
	"${PYTHON3:-python3}" -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if eval(sys.argv[2]):
        print(json.dumps(r))' "$T/$1.log" "${2:-True}"
}

count_requests() { requests "$@" | wc -l | tr -d ' '; }
