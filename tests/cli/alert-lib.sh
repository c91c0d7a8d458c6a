# tests/cli/alert-lib.sh: loopback stand-in servers for the perf alert
# tests (sourced after lib.sh).
#
#   start_hooks [PLAN]   HTTP stand-in for Slack, PagerDuty, webhooks and
#                        metrics endpoints; sets HOOKS (http://127.0.0.1:PORT)
#                        and HOOKS_LOG
#   start_smtp [ARGS]    SMTP stand-in; sets SMTP_PORT and SMTP_LOG
#   requests PATH        how many requests PATH received so far
#   payload N PATH       the body of the Nth (from 0) request to PATH
SERVERS="$top_srcdir/tests/servers"
PY="${PYTHON3:-python3}"
server_pids=""
trap 'for p in $server_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

wait_port() {   # wait_port FILE: up to 10 s for a server to write its port
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ] || { echo "# server did not start" >&2; exit 99; }
	cat "$1"
}

start_hooks() {
	HOOKS_LOG="$T/hooks.log"
	: >"$HOOKS_LOG"
	"$PY" "$SERVERS/hooks.py" --port-file "$T/hooks.port" --log "$HOOKS_LOG" \
		--plan "${1:-$T/plan.json}" --lifetime 120 &
	server_pids="$server_pids $!"
	HOOKS="http://127.0.0.1:$(wait_port "$T/hooks.port")"
}

start_smtp() {
	SMTP_LOG="$T/smtp.log"
	: >"$SMTP_LOG"
	rm -f "$T/smtp.port"
	"$PY" "$SERVERS/smtp.py" --port-file "$T/smtp.port" --log "$SMTP_LOG" --lifetime 120 "$@" &
	SMTP_PID=$!
	server_pids="$server_pids $SMTP_PID"
	SMTP_PORT=$(wait_port "$T/smtp.port")
}

requests() {
	"$PY" -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"] == sys.argv[2]))' "$HOOKS_LOG" "$1"
}

# hook_is EXPECTED QUERY: a python expression over r, the list of logged
# requests (dicts with method, path, headers, body, json, status).
hook_is() {
	if got=$("$PY" -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[3])]
v=eval(sys.argv[2])
print(json.dumps(v))
sys.exit(0 if v == json.loads(sys.argv[1]) else 1)' "$1" "$2" "$HOOKS_LOG" 2>&1); then
		pass "$2 == $1"
	else
		fail "$2: expected $1, got $got"
	fi
}

# mail_is EXPECTED QUERY: the same over m, the list of logged mails.
mail_is() {
	if got=$("$PY" -c 'import json,sys,email
m=[json.loads(l) for l in open(sys.argv[3])]
for x in m: x["msg"] = email.message_from_string(x["data"])
v=eval(sys.argv[2])
print(json.dumps(v))
sys.exit(0 if v == json.loads(sys.argv[1]) else 1)' "$1" "$2" "$SMTP_LOG" 2>&1); then
		pass "$2 == $1"
	else
		fail "$2: expected $1, got $got"
	fi
}
