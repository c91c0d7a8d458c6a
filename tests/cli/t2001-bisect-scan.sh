#!/bin/sh
# perf bisect scan mode on real repositories built here with git: branches,
# a merge, commit dates out of order, a rename, a binary file; the same
# history as a bare clone, a linked worktree and a shallow clone; the
# ranked suspects and their scores checked exactly.
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v git >/dev/null 2>&1; then
	say "# skip: git not installed"
	test_done
fi
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE 2>/dev/null || true
export GIT_CONFIG_NOSYSTEM=1 HOME="$T" GIT_TERMINAL_PROMPT=0

# at DATE: the author and committer date of the next commit.
at() {
	GIT_AUTHOR_DATE="$1 +0000"
	GIT_COMMITTER_DATE="$1 +0000"
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}
lines() { # lines N PREFIX: N numbered lines
	i=1
	while [ "$i" -le "$1" ]; do printf '%s line %d\n' "$2" "$i"; i=$((i + 1)); done
}
commit() { git -C "$R" add -A && git -C "$R" commit -q -m "$1"; }
sha() { git -C "$R" rev-parse "$1"; }

R="$T/repo"
git init -q -b main "$R"
git -C "$R" config user.name "Ada Lovelace"
git -C "$R" config user.email ada@example.org
git -C "$R" config commit.gpgsign false
mkdir -p "$R/src"

at "2026-10-01 09:00:00"; echo hello >"$R/README"; lines 3 app >"$R/src/App.java"; commit "Initial import"
at "2026-10-20 09:00:00"; lines 10 chunk >"$R/src/ChunkCache.java"; commit "Add chunk cache"
at "2026-10-26 10:00:00"; echo "hello world" >"$R/README"; commit "Fix typo in README"
git -C "$R" checkout -q -b feature
at "2026-10-27 11:00:00"; lines 5 loader >"$R/src/Loader.java"; commit "Reduce heap allocation in loader"
HEAP=$(sha HEAD)
git -C "$R" checkout -q main
at "2026-10-28 12:00:00"; echo "CFLAGS=-O2" >"$R/Makefile"; commit "Build with gcc flags"
at "2026-10-29 13:00:00"; git -C "$R" merge -q --no-ff -m "Merge branch 'feature'" feature
mkdir -p "$R/src/world"
at "2026-10-30 14:00:00"; lines 96 region >"$R/src/world/RegionCache.java"; commit "Keep region files in a memory cache"
REGION=$(sha HEAD)
mkdir -p "$R/src/storage"
git -C "$R" mv src/ChunkCache.java src/storage/ChunkStore.java
sed 's/chunk line 10/chunk line ten/' "$R/src/storage/ChunkStore.java" >"$R/x" && mv "$R/x" "$R/src/storage/ChunkStore.java"
at "2026-10-31 09:00:00"; commit "Move cache code"
MOVE=$(sha HEAD)
mkdir -p "$R/perf"
printf 'BIN\000\001\002\003data' >"$R/perf/performance.bin"
at "2026-10-31 12:00:00"; commit "Add performance baseline data"
BIN=$(sha HEAD)
# Clock skew: dated before the window, but its parents are in it.
at "2026-10-20 08:00:00"; lines 4 pool >"$R/src/Pool.java"; commit "Optimization of the memory pool"
SKEW=$(sha HEAD)
mkdir -p "$R/src/gc"
at "2026-11-01 10:00:00"; lines 2 tuner >"$R/src/gc/Tuner.java"; commit "Tune GC threshold"
GC=$(sha HEAD)
at "2026-11-05 10:00:00"; echo more >>"$R/README"; commit "Improve cache performance"
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE

EXPECTED="[\"$REGION\", \"$MOVE\", \"$HEAP\", \"$BIN\", \"$GC\"]"

test_begin "json: the window, the count and the ranked suspects"
run 0 perf bisect --repo "$R" --date 2026-11-01 --format json
json_is '{"since": "2026-10-25T00:00:00Z", "until": "2026-11-02T00:00:00Z"}' 'd["window"]'
json_is 8 'd["scanned"]'
json_is "\"$REGION\"" 'd["most_likely"]'
json_is "$EXPECTED" '[s["commit"] for s in d["suspects"]]'
json_is '[14.6, 6.6, 6.0, 5.0, 3.0]' '[s["score"] for s in d["suspects"]]'
json_is '{"commit": "'"$REGION"'", "date": "2026-10-30T14:00:00Z", "author": "Ada Lovelace", "summary": "Keep region files in a memory cache", "score": 14.6, "keywords": ["memory", "cache"], "paths": ["src/world/RegionCache.java"], "lines_changed": 96, "reasons": ["keyword '"'memory'"' in the message: +3.0", "keyword '"'cache'"' in the message: +3.0", "path src/world/RegionCache.java: +2.0", "96 lines changed in matching paths: +6.6"]}' 'd["suspects"][0]'
expect_no_err

test_begin "a rename is found and counts the lines it changed"
json_is '["src/storage/ChunkStore.java"]' 'd["suspects"][1]["paths"]'
json_is 2 'd["suspects"][1]["lines_changed"]'
json_is '"path src/storage/ChunkStore.java (renamed from src/ChunkCache.java): +2.0"' 'd["suspects"][1]["reasons"][1]'

test_begin "a binary file matches but counts no lines"
json_is '["perf/performance.bin"]' 'd["suspects"][3]["paths"]'
json_is 0 'd["suspects"][3]["lines_changed"]'
json_is true '"binary file perf/performance.bin: no lines counted" in d["suspects"][3]["reasons"]'

test_begin "the merged branch is walked; gc does not match gcc; out-of-window dates are not scanned"
json_is '["allocation", "heap"]' 'd["suspects"][2]["keywords"]'
json_is false "any(s['summary'].startswith('Build with gcc') for s in d['suspects'])"
json_is false "any(s['commit'] == '$SKEW' for s in d['suspects'])"

test_begin "--metric memory_usage weights memory, heap, gc and allocation"
run 0 perf bisect -r "$R" -d 2026-11-01 -m memory_usage -f json
json_is "[\"$REGION\", \"$HEAP\", \"$MOVE\", \"$GC\", \"$BIN\"]" '[s["commit"] for s in d["suspects"]]'
json_is '[17.6, 12.0, 6.6, 6.0, 5.0]' '[s["score"] for s in d["suspects"]]'
json_is '"keyword '"'gc'"' in the message, related to memory_usage: +6.0"' 'd["suspects"][3]["reasons"][0]'

test_begin "--metric tps_stability adds tick, tps and performance"
run 0 perf bisect -r "$R" -d 2026-11-01 --metric tps_stability --keywords tick --paths none -f json
json_is '[]' '[s["commit"] for s in d["suspects"] if "performance" not in s["keywords"]]'
json_is "[\"$BIN\"]" '[s["commit"] for s in d["suspects"]]'
json_is '[6.0]' '[s["score"] for s in d["suspects"]]'

test_begin "--keywords and --paths replace the defaults; gc is a whole word"
run 0 perf bisect -r "$R" -d 2026-11-01 --keywords gc --paths nomatch -f json
json_is "[\"$GC\"]" '[s["commit"] for s in d["suspects"]]'
run 0 perf bisect -r "$R" -d 2026-11-01 --keywords nomatch --paths 'src/world/*' -f json
json_is "[\"$REGION\"]" '[s["commit"] for s in d["suspects"]]'
json_is '[8.6]' '[s["score"] for s in d["suspects"]]'

test_begin "--rev walks from another revision"
run 0 perf bisect -r "$R" -d 2026-11-01 --rev feature -f json
json_is "[\"$HEAP\"]" '[s["commit"] for s in d["suspects"]]'
json_is 2 'd["scanned"]'

test_begin "--before and --after size the window; RFC 3339 dates"
run 0 perf bisect -r "$R" --date 2026-10-30T12:00:00Z --before 1d --after 3h -f json
json_is '{"since": "2026-10-29T12:00:00Z", "until": "2026-10-30T15:00:00Z"}' 'd["window"]'
json_is "[\"$REGION\"]" '[s["commit"] for s in d["suspects"]]'
json_is 2 'd["scanned"]'

test_begin "--top limits the suspects shown, not most_likely"
run 0 perf bisect -r "$R" -d 2026-11-01 --top 2 -f json
json_is 2 'len(d["suspects"])'
json_is "\"$REGION\"" 'd["most_likely"]'

test_begin "text report: short hashes, summaries and reasons"
run 0 perf bisect -r "$R" -d 2026-11-01 -n 3
expect_out '^Window 2026-10-25T00:00:00Z to 2026-11-02T00:00:00Z: 8 commits scanned, 5 suspects$'
short=$(printf %.7s "$REGION")
expect_out "^Most likely: $short Keep region files in a memory cache$"
expect_out "^1\. $short  score 14\.6  Keep region files in a memory cache$"
expect_out '^   - 96 lines changed in matching paths: \+6\.6$'
expect_out '^\(2 more suspects; see --top\)$'

test_begin "-o writes the report to a file"
run 0 perf bisect -r "$R" -d 2026-11-01 -f json -o "$T/report.json"
expect_no_out
json_is "\"$REGION\"" 'd["most_likely"]' "$T/report.json"

test_begin "the default repository is the current directory (and searched upwards)"
(cd "$R/src" && perf bisect -d 2026-11-01 -f json) >"$T/out" 2>"$T/err"
check "exit 0 from a subdirectory" [ $? = 0 ]
json_is "\"$REGION\"" 'd["most_likely"]'

test_begin "a bare clone and a linked worktree give the same answer"
run 0 perf bisect -r "$R" -d 2026-11-01 -f json
mv "$T/out" "$T/plain.json"
git clone -q --bare "file://$R" "$T/bare.git"
run 0 perf bisect -r "$T/bare.git" -d 2026-11-01 -f json
test_cmp "$T/plain.json" "$T/out"
git -C "$R" worktree add -q "$T/wt" feature
run 0 perf bisect -r "$T/wt" -d 2026-11-01 --rev main -f json
test_cmp "$T/plain.json" "$T/out"

test_begin "a shallow clone cut inside the window says so"
git clone -q --depth 5 "file://$R" "$T/shallow"
run 0 perf bisect -r "$T/shallow" -d 2026-11-01 -f json
expect_err "^perf bisect: warning: shallow clone: history is cut at $(printf %.7s "$MOVE") \(2026-10-31T09:00:00Z\)"
json_is 3 'd["scanned"]'
json_is "[\"$BIN\", \"$GC\", \"$MOVE\"]" '[s["commit"] for s in d["suspects"]]'
json_is '"first parent missing (shallow clone): no diff"' 'd["suspects"][2]["reasons"][1]'
run 0 perf bisect -q -r "$T/shallow" -d 2026-11-01 -f json
expect_no_err

test_begin "a shallow clone cut long before the window is quiet"
run 0 perf bisect -r "$T/shallow" -d 2026-11-06 --before 1d -f json
expect_no_err
json_is 1 'd["scanned"]'

test_begin "an empty window: exit 1, most_likely null"
run 1 perf bisect -r "$R" -d 2020-01-01 -f json
json_is '{"window": {"since": "2019-12-25T00:00:00Z", "until": "2020-01-02T00:00:00Z"}, "scanned": 0, "most_likely": null, "suspects": []}' 'd'
run 1 perf bisect -r "$R" -d 2026-10-26 --before 1h --after 1h
expect_out '^No suspect'
run 1 perf bisect -r "$R" -d 2026-10-26T10:00:00Z --before 0 --after 0 -f json
json_is 1 'd["scanned"]'

test_begin "an empty repository has no suspect"
git init -q "$T/empty"
run 1 perf bisect -r "$T/empty" -d 2026-11-01 -f json
json_is 0 'd["scanned"]'
expect_err 'warning: the repository has no commits yet'

test_begin "the bisect: section of the compare config"
cat >"$T/perf.yaml" <<'EOF'
thresholds:
  chunk_loading_time: 5
bisect:
  keywords: [gc]
  paths: nomatch, neither
EOF
run 0 perf bisect -r "$R" -d 2026-11-01 --config "$T/perf.yaml" -f json
json_is "[\"$GC\"]" '[s["commit"] for s in d["suspects"]]'
run 0 perf bisect -r "$R" -d 2026-11-01 --config "$T/perf.yaml" --keywords heap -f json
json_is "[\"$HEAP\"]" '[s["commit"] for s in d["suspects"]]'
# perf compare reads the same file, skipping the bisect: section.
run 0 perf compare --config "$T/perf.yaml" "$FIXTURES/jmh/fs2.json" "$FIXTURES/jmh/fs2.json"
expect_out 'RESULT: NO REGRESSIONS DETECTED'
printf 'bisect:\n  keywords: [gc]\nalert: {}\nrespond: {}\nweekly: {}\nbogus: 1\n' >"$T/other.yaml"
run 2 perf compare --config "$T/other.yaml" "$FIXTURES/jmh/fs2.json" "$FIXTURES/jmh/fs2.json"
expect_err "other.yaml:6:1: unknown key 'bogus'"

test_begin "bad config: file, line and column"
printf 'bisect:\n  keywords: {a: 1}\n' >"$T/bad.yaml"
run 2 perf bisect -r "$R" -d 2026-11-01 -c "$T/bad.yaml"
expect_err "^perf bisect: $T/bad.yaml:2:13: bisect keywords must be a sequence, not a mapping$"
printf 'bisect:\n  keyword: [a]\n' >"$T/bad.yaml"
run 2 perf bisect -r "$R" -d 2026-11-01 -c "$T/bad.yaml"
expect_err "bad.yaml:2:3: unknown key 'bisect.keyword' \(expected keywords or paths\)"
printf 'bisect: [a]\n' >"$T/bad.yaml"
run 2 perf bisect -r "$R" -d 2026-11-01 -c "$T/bad.yaml"
expect_err "bad.yaml:1:9: bisect must be a mapping, not a sequence"
run 2 perf bisect -r "$R" -d 2026-11-01 -c "$T/missing.yaml"
expect_err "missing.yaml"

test_begin "bad input: exit 2 with a clear message"
mkdir "$T/notrepo"
run 2 perf bisect -r "$T/notrepo" -d 2026-11-01
expect_err "^perf bisect: not a git repository: '$T/notrepo'$"
run 2 perf bisect -r "$T/nowhere" -d 2026-11-01
expect_err "^perf bisect: cannot open repository '$T/nowhere': No such file or directory$"
run 2 perf bisect -r "$R" -d 2026-13-01
expect_err "^perf bisect: invalid --date '2026-13-01': month 13 out of range"
run 2 perf bisect -r "$R" -d 2026-11-01 --before 7x
expect_err "^perf bisect: invalid --before '7x'"
run 2 perf bisect -r "$R" -d 2026-11-01 --after=-1d
expect_err "^perf bisect: invalid --after '-1d'"
run 2 perf bisect -r "$R" -d 2026-11-01 --rev nosuchbranch
expect_err "^perf bisect: unknown revision 'nosuchbranch' for --rev: "
run 2 perf bisect -r "$R" -d 2026-11-01 --rev 'HEAD:README'
expect_err "is not a commit"
run 2 perf bisect -r "$R"
expect_err "^perf bisect: --date is required"
run 2 perf bisect -r "$R" -d 2026-11-01 --format xml
expect_err "unknown format 'xml' \(expected text or json\)"
run 2 perf bisect -r "$R" -d 2026-11-01 --top -3
expect_err "invalid --top '-3'"
run 2 perf bisect -r "$R" -d 2026-11-01 --keywords ' , '
expect_err "holds no keyword"
run 2 perf bisect -r "$R" -d 2026-11-01 --bogus
expect_err "unknown option '--bogus'"
run 2 perf bisect -r "$R" -d
expect_err "option '-d' needs a value"
run 2 perf bisect -r "$R" -d 2026-11-01 extra
expect_err "unexpected argument 'extra'"
run 2 perf bisect -r "$R" -d 2026-11-01 -o "$T/no/such/dir/out"
expect_err "cannot create '$T/no/such/dir/out'"

test_begin "a damaged repository is an access failure: exit 3 with libgit2's text"
git clone -q --no-local "$R" "$T/broken"
# clone --no-local packs the objects: unpack them, then lose one commit.
mkdir "$T/packs" && mv "$T/broken/.git/objects/pack/"* "$T/packs/"
for p in "$T/packs/"*.pack; do git -C "$T/broken" unpack-objects -q <"$p"; done
obj=$(git -C "$T/broken" rev-parse "$MOVE")
rm -f "$T/broken/.git/objects/$(printf %.2s "$obj")/${obj#??}"
run 3 perf bisect -r "$T/broken" -d 2026-11-01
expect_err "^perf bisect: cannot read the history of 'HEAD': .*$obj"
expect_no_out

test_done
