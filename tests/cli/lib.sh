# tests/cli/lib.sh: a small harness for CLI tests of the perf binary, in the
# spirit of git's t/test-lib.sh.  Each test script sources it, runs
# test_expect_* checks and ends with test_done.
#
#   run CODE CMD...       run CMD, stdout to $T/out, stderr to $T/err, and
#                         check the exit status is CODE
#   expect_out PATTERN    grep -E PATTERN in the last stdout
#   expect_err PATTERN    the same in the last stderr
#   expect_no_out         the last stdout is empty
#   test_cmp EXPECTED ACTUAL
#   check DESCRIPTION CMD...   a free-form assertion (CMD must succeed)
set -u

: "${PERF:?PERF must name the perf binary under test}"
: "${top_srcdir:?top_srcdir must be set}"
FIXTURES="$top_srcdir/tests/fixtures"
export NO_COLOR=1
unset GITHUB_STEP_SUMMARY PERF_HISTORY GITHUB_TOKEN GITHUB_REPOSITORY 2>/dev/null || true

T=$(mktemp -d "${TMPDIR:-/tmp}/perf-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99

passed=0
failed=0
current=""

say() { printf '%s\n' "$*"; }

test_begin() { current="$*"; }

pass() { passed=$((passed + 1)); say "ok $((passed + failed)) - $current${1:+: $1}"; }

fail() {
	failed=$((failed + 1))
	say "not ok $((passed + failed)) - $current${1:+: $1}"
	if [ -f "$T/err" ]; then sed 's/^/#   stderr: /' "$T/err" | head -20; fi
	if [ -f "$T/out" ]; then sed 's/^/#   stdout: /' "$T/out" | head -20; fi
}

# Under valgrind (PERF_VALGRIND=1), every run is checked for errors and leaks.
perf() {
	if [ "${PERF_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \
			--show-leak-kinds=definite "$PERF" "$@"
	else
		"$PERF" "$@"
	fi
}

run() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	if [ "$got" = "$want" ]; then
		pass "exit $want"
	else
		fail "expected exit $want, got $got from: $*"
	fi
}

# run with standard input from a file
run_stdin() {
	want=$1
	input=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" <"$input"
	got=$?
	if [ "$got" = "$want" ]; then pass "exit $want"; else fail "expected exit $want, got $got from: $*"; fi
}

expect_out() {
	if grep -Eq -- "$1" "$T/out"; then pass "stdout has /$1/"; else fail "stdout lacks /$1/"; fi
}

expect_not_out() {
	if grep -Eq -- "$1" "$T/out"; then fail "stdout has /$1/"; else pass "stdout lacks /$1/"; fi
}

expect_err() {
	if grep -Eq -- "$1" "$T/err"; then pass "stderr has /$1/"; else fail "stderr lacks /$1/"; fi
}

expect_not_err() {
	if grep -Eq -- "$1" "$T/err"; then fail "stderr has /$1/"; else pass "stderr lacks /$1/"; fi
}

expect_no_out() {
	if [ ! -s "$T/out" ]; then pass "stdout empty"; else fail "stdout not empty"; fi
}

expect_no_err() {
	if [ ! -s "$T/err" ]; then pass "stderr empty"; else fail "stderr not empty"; fi
}

test_cmp() {
	if diff -u "$1" "$2" >"$T/diff"; then
		pass "same as $(basename "$1")"
	else
		fail "differs from $(basename "$1")"
		sed 's/^/#   /' "$T/diff" | head -40
	fi
}

check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# json QUERY FILE: evaluate a python expression on the parsed document `d`
# and print the result as JSON (for checking JSON output without jq).
json() {
	"${PYTHON3:-python3}" -c 'import json,sys
d=json.load(open(sys.argv[2]))
print(json.dumps(eval(sys.argv[1])))' "$1" "$2"
}

# json_is EXPECTED QUERY [FILE]: the query's value equals the JSON EXPECTED
# (numerically: 8 and 8.0 are equal).
json_is() {
	if got=$("${PYTHON3:-python3}" -c 'import json,sys
d=json.load(open(sys.argv[3]))
r=eval(sys.argv[2])
print(json.dumps(r))
sys.exit(0 if r == json.loads(sys.argv[1]) else 1)' "$1" "$2" "${3:-$T/out}" 2>&1); then
		pass "$2 == $1"
	else
		fail "$2: expected $1, got $got"
	fi
}

test_done() {
	say "# $current"
	say "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
