# tests/cli/lib-github.sh: perf respond's tests against the stand-in GitHub
# API (tests/servers/github.py).  Source after lib.sh.
#
#   github_start [ARG]...   start the server for repository octo/app with the
#                           planted token; sets GITHUB_API_URL, GITHUB_TOKEN
#   gh_state EXPR           evaluate a python expression on the server's
#                           state `s` (GET /__state) and print it as JSON
#   gh_state_is JSON EXPR   check it equals JSON
#   no_secret FILE...       check the planted token is in none of FILEs
. "$top_srcdir/tests/cli/lib-server.sh"

TOKEN=ghp_PLANTEDtokenNeverPrinted0123456789
unset GH_TOKEN GITHUB_API_URL ENVIRONMENT GITHUB_SERVER_URL GITHUB_RUN_ID 2>/dev/null || true
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy 2>/dev/null || true
export PERF_NOW=2026-11-23T10:00:00Z
export PERF_HISTORY="$T/history.jsonl"

github_start() {
	start_server github github.py --token "$TOKEN" "$@"
	GITHUB_API_URL="http://127.0.0.1:$SERVER_PORT"
	GITHUB_TOKEN=$TOKEN
	export GITHUB_API_URL GITHUB_TOKEN
}

gh_state() {
	"${PYTHON3:-python3}" -c 'import json,sys,urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/__state" % sys.argv[1]))
print(json.dumps(eval(sys.argv[2])))' "$(server_port github)" "$1"
}

gh_state_is() {
	if got=$(gh_state "$2" 2>&1) && "${PYTHON3:-python3}" -c 'import json,sys
sys.exit(0 if json.loads(sys.argv[1]) == json.loads(sys.argv[2]) else 1)' "$1" "$got"; then
		pass "$2 == $1"
	else
		fail "$2: expected $1, got $got"
	fi
}

no_secret() {
	leaked=""
	for f in "$@"; do
		[ -f "$f" ] && grep -q -- "$TOKEN" "$f" && leaked="$leaked $f"
	done
	check "the token is in no output${leaked:+ (found in$leaked)}" [ -z "$leaked" ]
}

# Every run's stdout and stderr, and the history file, checked for the token.
run_gh() {
	run "$@"
	no_secret "$T/out" "$T/err" "$PERF_HISTORY"
}
