#!/bin/sh
# perf bisect scan mode with helper processes (PERF_JOBS): the same
# report whatever the number of processes, on a history of files changed
# in place (the blob-diff path); changed lines equal to git's numstat; the
# gitattributes that make a file binary for diff honoured (committed,
# in info/attributes, in a bare clone) and skipped when there are none; a
# bad PERF_JOBS; a commit that cannot be read in a helper; and the scan
# tests t2001 and t2003 run again with three processes.
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v git >/dev/null 2>&1; then
	say "# skip: git not installed"
	test_done
fi
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE PERF_JOBS 2>/dev/null || true
export GIT_CONFIG_NOSYSTEM=1 HOME="$T" GIT_TERMINAL_PROMPT=0

init_repo() {
	git init -q -b main "$1"
	git -C "$1" config user.name "Grace Hopper"
	git -C "$1" config user.email grace@example.org
	git -C "$1" config commit.gpgsign false
	git -C "$1" config gc.auto 0
}
# commit_at R N MESSAGE: commit everything in R, dated N hours after
# 2026-10-20 00:00 UTC.
commit_at() {
	d=$(printf '2026-10-%02d %02d:00:00 +0000' $((20 + $2 / 24)) $(($2 % 24)))
	GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -C "$1" add -A &&
		GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -C "$1" commit -q -m "$3"
}
lines() { # lines N PREFIX
	i=1
	while [ "$i" -le "$1" ]; do printf '%s line %d\n' "$2" "$i"; i=$((i + 1)); done
}

# A history of 60 commits, each changing files in place: lines added at
# the end, removed from the start, edited in the middle; a binary file;
# a file without a final newline; keywords in some messages.
R="$T/repo"
init_repo "$R"
mkdir -p "$R/src/cache" "$R/src/memory" "$R/src/net" "$R/perf"
for f in cache/Store memory/Pool net/Socket; do lines 40 "$f" >"$R/src/$f.java"; done
printf 'BIN\000\001' >"$R/perf/baseline.bin"
printf 'no final newline' >"$R/src/cache/Tail.txt"
commit_at "$R" 0 "Initial import"
n=1
while [ "$n" -le 60 ]; do
	case $((n % 6)) in
	0) lines $((n % 5 + 1)) "added $n" >>"$R/src/cache/Store.java"; msg="Grow the cache ($n)" ;;
	1) sed '1,2d' "$R/src/memory/Pool.java" >"$T/x" && mv "$T/x" "$R/src/memory/Pool.java"
	   msg="Trim the memory pool ($n)" ;;
	2) sed "s/line 2\$/line 2 edited $n/" "$R/src/net/Socket.java" >"$T/x" &&
		mv "$T/x" "$R/src/net/Socket.java"
	   lines 2 "heap $n" >>"$R/src/memory/Pool.java"; msg="Reduce heap use ($n)" ;;
	3) printf 'BIN\000\00%d' $((n % 8)) >"$R/perf/baseline.bin"; msg="New performance baseline ($n)" ;;
	4) printf 'no final newline %d' "$n" >"$R/src/cache/Tail.txt"; msg="Tail ($n)" ;;
	5) sed "10s/\$/ and $n/" "$R/src/cache/Store.java" >"$T/x" && mv "$T/x" "$R/src/cache/Store.java"
	   msg="Refactor ($n)" ;;
	esac
	commit_at "$R" "$n" "$msg"
	n=$((n + 1))
done

test_begin "the report is the same with 1, 2, 3, 4 and 8 processes and by default"
run 0 perf bisect --repo "$R" --date 2026-10-22 --before 3d --after 1d --top 100 --format json
cp "$T/out" "$T/default.json"
json_is 61 'd["scanned"]'
json_is 61 'len(d["suspects"])'
for j in 1 2 3 4 8; do
	PERF_JOBS=$j run 0 perf bisect --repo "$R" --date 2026-10-22 --before 3d --after 1d --top 100 --format json
	test_cmp "$T/default.json" "$T/out"
	expect_no_err
done
PERF_JOBS=3 run 0 perf bisect --repo "$R" --date 2026-10-22 --before 3d --after 1d -n 5
cp "$T/out" "$T/three.txt"
PERF_JOBS=1 run 0 perf bisect --repo "$R" --date 2026-10-22 --before 3d --after 1d -n 5
test_cmp "$T/three.txt" "$T/out"

test_begin "changed lines are git's numstat for the matching paths; binary files count none"
git -C "$R" log --format='@%H' --numstat >"$T/numstat"
check "lines_changed and binary files agree with git log --numstat" \
	"${PYTHON3:-python3}" -c '
import json, sys
stat, cur = {}, None
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    if line.startswith("@"):
        cur = line[1:]
        stat[cur] = {}
    elif line:
        a, d, path = line.split("\t")
        stat[cur][path] = None if a == "-" else int(a) + int(d)
doc = json.load(open(sys.argv[1]))
bad = 0
for s in doc["suspects"]:
    want = stat[s["commit"]]
    if s["lines_changed"] != sum(want[p] or 0 for p in s["paths"]):
        bad += 1
        print("#", s["commit"], s["lines_changed"], want)
    for p in s["paths"]:
        binary = any(r.startswith("binary file " + p + ":") for r in s["reasons"])
        if binary != (want[p] is None):
            bad += 1
            print("#", s["commit"], p, "binary" if binary else "text")
sys.exit(1 if bad else 0)' "$T/default.json" "$T/numstat"

test_begin "a committed .gitattributes that makes a file binary for diff is honoured"
A="$T/attrs"
init_repo "$A"
mkdir -p "$A/performance"
lines 10 data >"$A/performance/results.dat"
lines 10 text >"$A/performance/results.txt"
commit_at "$A" 0 "Initial import"
lines 3 more >>"$A/performance/results.dat"
lines 3 more >>"$A/performance/results.txt"
commit_at "$A" 20 "Update performance results"
run 0 perf bisect --repo "$A" --date 2026-10-21 --before 12h --after 12h --format json
json_is 6 'd["suspects"][0]["lines_changed"]'
json_is false 'any(r.startswith("binary file") for r in d["suspects"][0]["reasons"])'
printf '*.dat -diff\n' >"$A/.gitattributes"
commit_at "$A" 1 "Treat result data as binary"
run 0 perf bisect --repo "$A" --date 2026-10-21 --before 12h --after 12h --format json
json_is 3 'd["suspects"][0]["lines_changed"]'
json_is true '"binary file performance/results.dat: no lines counted" in d["suspects"][0]["reasons"]'
PERF_JOBS=2 run 0 perf bisect --repo "$A" --date 2026-10-21 --before 12h --after 12h --format json
json_is 3 'd["suspects"][0]["lines_changed"]'

test_begin "in the index only (not in the working tree) it still counts"
rm "$A/.gitattributes"
run 0 perf bisect --repo "$A" --date 2026-10-21 --before 12h --after 12h --format json
json_is 3 'd["suspects"][0]["lines_changed"]'
git -C "$A" checkout -q -- .gitattributes

test_begin "a bare clone reads no .gitattributes from the tree; info/attributes applies"
git clone -q --bare "$A" "$T/attrs.git"
run 0 perf bisect --repo "$T/attrs.git" --date 2026-10-21 --before 12h --after 12h --format json
json_is 6 'd["suspects"][0]["lines_changed"]'
mkdir -p "$T/attrs.git/info"
printf '*.txt binary\n' >"$T/attrs.git/info/attributes"
run 0 perf bisect --repo "$T/attrs.git" --date 2026-10-21 --before 12h --after 12h --format json
json_is 3 'd["suspects"][0]["lines_changed"]'
json_is true '"binary file performance/results.txt: no lines counted" in d["suspects"][0]["reasons"]'

test_begin "core.attributesFile applies too"
rm "$T/attrs.git/info/attributes"
printf '*.dat binary\n*.txt binary\n' >"$T/global-attributes"
git -C "$T/attrs.git" config core.attributesFile "$T/global-attributes"
run 0 perf bisect --repo "$T/attrs.git" --date 2026-10-21 --before 12h --after 12h --format json
json_is 0 'd["suspects"][0]["lines_changed"]'

test_begin "a bad PERF_JOBS is named and ignored"
PERF_JOBS=9 run 0 perf bisect --repo "$R" --date 2026-10-22 --before 3d --after 1d --top 100 --format json
expect_err "^perf bisect: warning: ignoring PERF_JOBS='9' \(expected 1 to 8\)$"
test_cmp "$T/default.json" "$T/out"
PERF_JOBS=many run 0 perf bisect --repo "$R" --date 2026-10-22 --before 3d --after 1d --top 100 --format json
expect_err "ignoring PERF_JOBS='many'"

test_begin "a blob that cannot be read fails the same way with helpers: exit 3, libgit2's text"
git clone -q --no-local "$R" "$T/broken"
mkdir "$T/packs" && mv "$T/broken/.git/objects/pack/"* "$T/packs/"
for p in "$T/packs/"*.pack; do git -C "$T/broken" unpack-objects -q <"$p"; done
blob=$(git -C "$T/broken" rev-parse HEAD~30:src/memory/Pool.java)
rm -f "$T/broken/.git/objects/$(printf %.2s "$blob")/${blob#??}"
PERF_JOBS=1 run 3 perf bisect --repo "$T/broken" --date 2026-10-22 --before 3d --after 1d
expect_err "^perf bisect: cannot read the history of 'HEAD': .*$blob"
cp "$T/err" "$T/err1"
for j in 2 4; do
	PERF_JOBS=$j run 3 perf bisect --repo "$T/broken" --date 2026-10-22 --before 3d --after 1d
	test_cmp "$T/err1" "$T/err"
	expect_no_out
done

test_begin "the scan tests again, with three processes"
for t in t2001-bisect-scan t2003-bisect-commit-graph; do
	PERF_JOBS=3 "${SHELL:-/bin/sh}" "$top_srcdir/tests/cli/$t.sh" >"$T/$t.log" 2>&1
	rc=$?
	check "$t with PERF_JOBS=3 exits 0" [ "$rc" = 0 ]
	check "$t with PERF_JOBS=3: no failure" grep -q ' passed, 0 failed$' "$T/$t.log"
	if [ "$rc" != 0 ]; then grep '^not ok' "$T/$t.log" | head -5 | sed 's/^/#   /'; fi
done

test_done
