#!/bin/sh
# The multicall binary: dispatch, --list, --version, --help, unknown applets,
# perf-APPLET links, and write errors on stdout.
. "$top_srcdir/tests/cli/lib.sh"

test_begin "perf --list prints the applets of applets.def, one a line"
run 0 perf --list
sed -n 's/^APPLET(\([a-z]*\),.*/\1/p' "$top_srcdir/applets/applets.def" >"$T/expected"
test_cmp "$T/expected" "$T/out"

test_begin "Makefile.am APPLETS matches applets.def"
sed -n 's/^APPLETS = //p' "$top_srcdir/Makefile.am" | tr ' ' '\n' | sed '/^$/d' >"$T/mk"
test_cmp "$T/expected" "$T/mk"

test_begin "perf --version"
run 0 perf --version
expect_out '^perf \(perfsuite\) [0-9]+\.[0-9]+'

test_begin "perf --help lists every applet and exits 0"
run 0 perf --help
expect_out '^Usage: perf APPLET'
while read -r a; do
	grep -q "^  $a " "$T/out" && pass "help names $a" || fail "help lacks $a"
done <"$T/expected"
expect_no_err

test_begin "perf without arguments: usage on stderr, exit 2"
run 2 perf
expect_no_out
expect_err 'Usage: perf APPLET'

test_begin "an unknown applet exits 127"
run 127 perf frobnicate
expect_err "^perf: 'frobnicate' is not a perf applet"
expect_no_out

test_begin "an unknown top-level option exits 2"
run 2 perf --frobnicate
expect_err "unknown option '--frobnicate'"

test_begin "every applet answers --help on stdout with exit 0"
while read -r a; do
	run 0 perf "$a" --help
	expect_out "^Usage: perf $a"
	run 0 perf help "$a"
	expect_out "^Usage: perf $a"
done <"$T/expected"

test_begin "perf-APPLET links run the applet"
while read -r a; do
	ln -s "$PERF" "$T/perf-$a"
	run 0 "$T/perf-$a" --help
	expect_out "^Usage: perf $a"
	ln -s "$PERF" "$T/perfsuite-$a"
	run 0 "$T/perfsuite-$a" --help
	expect_out "^Usage: perf $a"
done <"$T/expected"

test_begin "a write error on stdout fails with status 2"
if [ -w /dev/full ]; then
	perf --list >/dev/full 2>"$T/err"
	code=$?
	check "exit 2 on /dev/full (got $code)" [ "$code" = 2 ]
	expect_err '^perf: write error on standard output: No space left on device'
	perf compare "$FIXTURES/jmh/fs2.json" "$FIXTURES/jmh/fs2.json" >/dev/full 2>"$T/err"
	code=$?
	check "compare exits 2 on /dev/full (got $code)" [ "$code" = 2 ]
	expect_err '^perf compare: write error on standard output'
fi

test_begin "--help options agree with the man page SYNOPSIS"
while read -r a; do
	perf "$a" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/help-opts"
	man="$top_srcdir/man/perf-$a.1"
	if [ -f "$man" ]; then
		sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" | sed 's/\\-/-/g; s/\\f[BIRP]//g' |
			grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/man-opts"
		test_cmp "$T/help-opts" "$T/man-opts"
		sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man" | sed 's/\\-/-/g; s/\\f[BIRP]//g' |
			grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/man-opt-section"
		comm -23 "$T/help-opts" "$T/man-opt-section" >"$T/undocumented"
		check "every --help option of $a is in OPTIONS" [ ! -s "$T/undocumented" ]
	else
		fail "man/perf-$a.1 missing"
	fi
	for c in bash/perf zsh/_perf fish/perf.fish; do
		f="$top_srcdir/completions/$c"
		missing=""
		for o in $(cat "$T/help-opts"); do
			name=${o#--}
			grep -q -- "$name" "$f" || missing="$missing $o"
		done
		check "completions/$c knows every option of $a:${missing:- all}" [ -z "$missing" ]
	done
done <"$T/expected"

test_begin "man pages are clean under mandoc -Tlint"
if [ -n "${MANDOC:-}" ] && [ -x "$MANDOC" ]; then
	for m in "$top_srcdir"/man/*.1; do
		"$MANDOC" -Tlint -W warning "$m" >"$T/lint" 2>&1
		grep -v 'referenced manual not found' "$T/lint" >"$T/lint2" || true
		check "$(basename "$m") lint clean" [ ! -s "$T/lint2" ]
		[ -s "$T/lint2" ] && sed 's/^/#   /' "$T/lint2"
	done
fi

test_begin "libcurl and libgit2 are loaded only by runs that need them"
# glibc's LD_DEBUG=files names every shared object loaded, and when.
if LD_DEBUG=files "$PERF" --version 2>&1 >/dev/null | grep -q 'file=libc\.so'; then
	J="$FIXTURES/jmh/template-jdk11.json"
	LD_DEBUG=files run 0 perf compare "$J" "$J"
	expect_not_err 'file=libcurl'
	expect_not_err 'file=libgit2'
	LD_DEBUG=files run 2 perf bisect --repo "$T" --date 2026-11-01
	expect_not_err 'file=libcurl'
	expect_err 'file=libgit2\.so.*dynamically loaded by'
	expect_err "perf bisect: not a git repository"
	printf 'alert_rules:\n  up: {metric: a, threshold_value: 1, comparison: greater_than}\n' >"$T/r.yml"
	LD_DEBUG=files run 3 perf alert --rules "$T/r.yml" --metrics http://127.0.0.1:1/metrics
	expect_err 'file=libcurl\.so.*dynamically loaded by'
	expect_err 'perf alert: .*127\.0\.0\.1'
else
	say "# skip: no LD_DEBUG=files (not glibc)"
fi

test_done
