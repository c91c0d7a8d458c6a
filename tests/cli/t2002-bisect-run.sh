#!/bin/sh
# perf bisect run mode: CMD runs at commits checked out into temporary
# directories (the user's working tree and index untouched), git bisect
# run's exit statuses, the scan ranking's first probes, halving, skips,
# merges, a bare repository, --compare with tiny JMH files, bad input.
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v git >/dev/null 2>&1; then
	say "# skip: git not installed"
	test_done
fi
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE 2>/dev/null || true
export GIT_CONFIG_NOSYSTEM=1 HOME="$T" GIT_TERMINAL_PROMPT=0
export TMPDIR="$T/tmp"
mkdir "$TMPDIR"

n=0
at_next() { # one commit a day from 2026-10-01
	n=$((n + 1))
	GIT_AUTHOR_DATE="2026-10-$(printf %02d "$n") 12:00:00 +0000"
	GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}
commit() { at_next; git -C "$R" add -A && git -C "$R" commit -q -m "$1"; }
sha() { git -C "$R" rev-parse "$1"; }
newrepo() {
	R=$1
	git init -q -b main "$R"
	git -C "$R" config user.name "Grace Hopper"
	git -C "$R" config user.email grace@example.org
	git -C "$R" config commit.gpgsign false
}
jmh() { # jmh SCORE: a one-benchmark JMH result, lower is better
	printf '[{"benchmark": "org.ex.Chunk.load", "mode": "avgt", "threads": 1, "forks": 1,
  "primaryMetric": {"score": %s, "scoreError": 0.1, "scoreUnit": "us/op"}}]\n' "$1"
}

# A linear history of 10 commits; c6 makes value.txt 25 (was 10).
newrepo "$T/repo"
echo 10 >"$R/value.txt"
jmh 100 >"$R/bench.json"
commit "c1 start"
for i in 2 3 4 5 6 7 8 9 10; do
	echo "$i" >"$R/notes.txt"
	case $i in
	6) echo 25 >"$R/value.txt"; jmh 150 >"$R/bench.json"; commit "c6 enlarge the chunk cache" ;;
	*) commit "c$i step" ;;
	esac
	eval "C$i=\$(sha HEAD)"
done
C1=$(sha HEAD~9)
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
CHECK='test "$(cat value.txt)" -lt 20'
echo "uncommitted change" >"$R/notes.txt"
git -C "$R" status --porcelain >"$T/status.before"
cksum <"$R/.git/index" >"$T/index.before"
git -C "$R" rev-parse HEAD >"$T/head.before"

test_begin "the top suspect whose parent is good ends it in two runs"
run 0 perf bisect -r "$R" --good "$C1" --bad main --run "$CHECK" -f json
json_is "\"$C6\"" 'd["first_bad"]'
json_is '"c6 enlarge the chunk cache"' 'd["summary"]'
json_is '"Grace Hopper"' 'd["author"]'
json_is '"2026-10-06T12:00:00Z"' 'd["date"]'
json_is 2 'd["runs"]'
json_is 9 'd["candidates"]'
json_is "[[\"$C6\", \"top suspect\", \"bad\", 1], [\"$C5\", \"parent of a bad suspect\", \"good\", 0]]" \
	'[[s["commit"], s["why"], s["result"], s["exit_status"]] for s in d["steps"]]'
expect_err "^perf bisect: 9 candidates between $C1 and main$"
expect_err "^perf bisect: run 1: $(printf %.7s "$C6") c6 enlarge the chunk cache \(top suspect, score 6\.0; 9 candidates left\)$"
expect_err "^perf bisect: $(printf %.7s "$C5") is good \(exit status 0\)$"
expect_err "^perf bisect: first bad commit: $(printf %.7s "$C6") c6 enlarge the chunk cache after 2 runs$"

test_begin "the user's working tree, index and HEAD are untouched"
git -C "$R" status --porcelain >"$T/status.after"
test_cmp "$T/status.before" "$T/status.after"
cksum <"$R/.git/index" >"$T/index.after"
test_cmp "$T/index.before" "$T/index.after"
git -C "$R" rev-parse HEAD >"$T/head.after"
test_cmp "$T/head.before" "$T/head.after"
check "the temporary checkouts are removed" [ -z "$(ls "$TMPDIR")" ]

test_begin "without suspects: halving, PERF_BISECT_COMMIT set, text report"
rm -f "$T/probed"
run 0 perf bisect -r "$R" --good "$C1" --bad "$C10" --keywords nomatch --paths nomatch \
	--run "echo \$PERF_BISECT_COMMIT >>'$T/probed'; $CHECK"
expect_out "^First bad commit: $C6$"
expect_out '^Summary: c6 enlarge the chunk cache$'
expect_out '^Runs: 3 \(of 9 candidates\)$'
expect_err '\(halving; 9 candidates left\)$'
printf '%s\n' "$C5" "$C7" "$C6" >"$T/probed.expected"
test_cmp "$T/probed.expected" "$T/probed"

test_begin "CMD's output goes to stderr; stdout holds the report only"
run 0 perf bisect -r "$R" --good "$C1" --bad "$C10" --run "echo from-cmd; $CHECK" -f json
expect_err '^from-cmd$'
json_is "\"$C6\"" 'd["first_bad"]'

test_begin "exit 125 skips; a skipped neighbour leaves the answer open (exit 1)"
run 1 perf bisect -r "$R" --good "$C1" --bad "$C10" \
	--run "[ \$PERF_BISECT_COMMIT = $C6 ] && exit 125; $CHECK" -f json
json_is null 'd["first_bad"]'
json_is "[\"$C7\", \"$C6\"]" 'd["possible"]'
run 0 perf bisect -r "$R" --good "$C1" --bad "$C10" \
	--run "[ \$PERF_BISECT_COMMIT = $C8 ] && exit 125; $CHECK" -f json
json_is "\"$C6\"" 'd["first_bad"]'

test_begin "-q: no progress; -o: the report into a file"
run 0 perf bisect -q -r "$R" --good "$C1" --bad "$C10" --run "$CHECK" -o "$T/run.json" -f json
expect_no_err
expect_no_out
json_is "\"$C6\"" 'd["first_bad"]' "$T/run.json"

test_begin "a bare clone bisects the same"
git clone -q --bare "file://$R" "$T/bare.git"
run 0 perf bisect -r "$T/bare.git" --good "$C1" --bad main --run "$CHECK" -f json
json_is "\"$C6\"" 'd["first_bad"]'
check "the bare repository grew no working tree" [ ! -e "$T/bare.git/value.txt" ]

test_begin "--compare: CMD prints JMH JSON, perf compare judges it"
jmh 100 >"$T/baseline.json"
run 0 perf bisect -r "$R" --good "$C1" --bad "$C10" --run 'cat bench.json' --compare "$T/baseline.json" -f json
json_is "\"$C6\"" 'd["first_bad"]'
json_is 2 'd["runs"]'
# A config's thresholds reach perf compare: 60% tolerates the change.
printf 'thresholds:\n  Chunk: 60\nbisect:\n  keywords: [cache]\n' >"$T/loose.yaml"
run 0 perf bisect -r "$R" --good "$C1" --bad "$C10" --run 'cat bench.json' --compare "$T/baseline.json" \
	--config "$T/loose.yaml" -f json
json_is "\"$C10\"" 'd["first_bad"]'
run 1 perf bisect -r "$R" --good "$C1" --bad "$C10" --run 'echo not json' --compare "$T/baseline.json" -f json
expect_err "warning: the output of 'echo not json' at [0-9a-f]{7} is not JMH JSON: skipped"
json_is null 'd["first_bad"]'
json_is 9 'len(d["possible"])'

test_begin "a merge: the first bad commit on a merged branch"
newrepo "$T/merge"
echo ok >"$R/state"; commit "m1 base"
M1=$(sha HEAD)
git -C "$R" checkout -q -b topic
echo x >"$R/topic1"; commit "t1 topic work"
echo broken >"$R/state"; commit "t2 rework state"
T2=$(sha HEAD)
echo y >"$R/topic3"; commit "t3 more topic work"
git -C "$R" checkout -q main
echo z >"$R/main2"; commit "m2 main work"
at_next; git -C "$R" merge -q --no-ff -m "merge topic" topic
echo w >"$R/main3"; commit "m3 after the merge"
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
run 0 perf bisect -r "$R" --good "$M1" --bad main --run 'grep -qx ok state' -f json
json_is "\"$T2\"" 'd["first_bad"]'
json_is 6 'd["candidates"]'

test_begin "bad input: exit 2"
run 2 perf bisect -r "$T/repo" --good "$C10" --bad "$C1" --run true
expect_err "^perf bisect: --good $C10 is not an ancestor of --bad $C1$"
run 2 perf bisect -r "$T/repo" --good "$C1" --bad "$C1" --run true
expect_err "are the same commit"
run 2 perf bisect -r "$T/repo" --good nosuch --bad "$C1" --run true
expect_err "^perf bisect: unknown revision 'nosuch' for --good"
run 2 perf bisect -r "$T/repo" --good "$C1" --bad "$C10" --run /nonexistent/cmd
expect_err "^perf bisect: cannot run '/nonexistent/cmd' at [0-9a-f]{7}: exit status 127 \(command not found\)$"
run 2 perf bisect -r "$T/repo" --good "$C1" --bad "$C10" --run 'kill -9 $$'
expect_err "exited with status 137; bisection stopped"
run 2 perf bisect -r "$T/repo" --good "$C1" --run true
expect_err "run mode needs --good, --bad and --run"
run 2 perf bisect -r "$T/repo" --good "$C1" --bad "$C10" --run true --date 2026-10-01
expect_err "^perf bisect: --date is for scan mode"
printf '[{"benchmark": 1}]' >"$T/bad.json"
run 2 perf bisect -r "$T/repo" --good "$C1" --bad "$C10" --run true --compare "$T/bad.json"
expect_err "bad.json"
run 2 perf bisect -r "$T/repo" --good "$C1" --bad "$C10" --run true --compare "$T/none.json"
expect_err "none.json"
check "no temporary directory is left behind" [ -z "$(ls "$TMPDIR")" ]

test_done
