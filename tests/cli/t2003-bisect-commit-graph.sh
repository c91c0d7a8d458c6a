#!/bin/sh
# perf bisect scan mode through git's commit-graph: the same suspects,
# scores and walk as without it, on a history with merged branches, an
# octopus merge and skewed clocks; commits newer than the graph; a bare
# clone; and graphs it must not trust (damaged header, truncated, a split
# graph, a commit or parent that disagrees with the objects,
# core.commitGraph=false), each falling back to the objects with the
# reason under --verbose.
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v git >/dev/null 2>&1; then
	say "# skip: git not installed"
	test_done
fi
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE 2>/dev/null || true
export GIT_CONFIG_NOSYSTEM=1 HOME="$T" GIT_TERMINAL_PROMPT=0

R="$T/repo"
git init -q -b main "$R"
git -C "$R" config user.name "Ada Lovelace"
git -C "$R" config user.email ada@example.org
git -C "$R" config commit.gpgsign false
git -C "$R" config gc.auto 0
git -C "$R" config core.commitGraph true
git -C "$R" config fetch.writeCommitGraph false
mkdir -p "$R/src/cache" "$R/src/net" "$R/src/memory"

# commit_at DAY HOUR MESSAGE FILE: append a line to FILE and commit it on
# 2026-10-DAY at HOUR:00 UTC.
commit_at() {
	GIT_AUTHOR_DATE="2026-10-$1 $2:00:00 +0000" GIT_COMMITTER_DATE="2026-10-$1 $2:00:00 +0000"
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
	echo "$3" >>"$R/$4"
	git -C "$R" add -A && git -C "$R" commit -q -m "$3"
}
merge_at() { # merge_at DAY HOUR BRANCH...
	GIT_AUTHOR_DATE="2026-10-$1 $2:00:00 +0000" GIT_COMMITTER_DATE="2026-10-$1 $2:00:00 +0000"
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
	d=$1 h=$2
	shift 2
	git -C "$R" merge -q --no-ff -m "Merge $*" "$@" >/dev/null
}

# Days 01-09: a plain run of commits; every third touches a cache file.
for d in 01 02 03 04 05 06 07 08 09; do
	commit_at $d 09 "Tidy net code $d" src/net/Net.java
	commit_at $d 12 "Fix heap use $d" src/memory/Pool$d.java
	commit_at $d 15 "Update cache $d" src/cache/Cache.java
done
# Days 10-12: two branches and an octopus merge, one clock skewed back.
git -C "$R" checkout -q -b left
commit_at 10 10 "Speed up chunk loading" src/cache/Chunk.java
commit_at 10 11 "Left docs" README
git -C "$R" checkout -q main
git -C "$R" checkout -q -b right
commit_at 10 12 "Reduce memory of the loader" src/memory/Loader.java
commit_at 03 13 "Skewed: gc tuning" src/memory/Gc.java
git -C "$R" checkout -q main
commit_at 10 14 "Main side work" src/net/Main.java
merge_at 11 09 left right
OCTOPUS=$(git -C "$R" rev-parse HEAD)
for d in 12 13 14 15 16 17 18; do
	commit_at $d 09 "Tidy net code $d" src/net/Net.java
	commit_at $d 12 "Rework cache allocation $d" src/cache/Cache.java
done
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
test_begin "the test history"
check "the octopus merge has three parents" [ "$(git -C "$R" rev-list --parents -n 1 "$OCTOPUS" | wc -w)" = 4 ]

GRAPH="$R/.git/objects/info/commit-graph"
scan() { # scan OUT [ARGS]: the JSON report and the -v lines of a scan
	out=$1
	shift
	perf bisect --repo "$R" --date 2026-10-11 --before 4d --top 0 --format json -v "$@" >"$T/$out.json" 2>"$T/$out.err"
	echo "exit $?" >>"$T/$out.json"
	grep 'walked' "$T/$out.err" >"$T/$out.walked"
}

test_begin "without a graph: the objects are walked"
rm -f "$GRAPH"
scan plain
scan plain_all --before 30d
scan plain_rev --rev "$OCTOPUS^2" --date 2026-10-05
check "the report lists suspects" grep -q '"most_likely": "[0-9a-f]\{40\}"' "$T/plain.json"
check "the window holds the octopus merge" grep -q "\"commit\": \"$OCTOPUS\"" "$T/plain.json"
check "no commit-graph note" sh -c "! grep -q commit-graph '$T/plain.err'"

test_begin "with a graph of the whole history: the same walk, through the graph"
git -C "$R" commit-graph write --reachable
check "git wrote the graph" [ -f "$GRAPH" ]
scan graph
scan graph_all --before 30d
scan graph_rev --rev "$OCTOPUS^2" --date 2026-10-05
test_cmp "$T/plain.json" "$T/graph.json"
test_cmp "$T/plain.walked" "$T/graph.walked"
test_cmp "$T/plain_all.json" "$T/graph_all.json"
test_cmp "$T/plain_rev.json" "$T/graph_rev.json"
walked=$(sed -n 's/.*walked \([0-9]*\) commits.*/\1/p' "$T/graph.err")
expect_graph() { # expect_graph FILE N: N commits walked through the graph
	if grep -q "^perf bisect: $2 of them through the commit-graph$" "$1"; then
		pass "$2 commits through the graph"
	else
		fail "expected $2 commits through the graph"
		sed 's/^/#   /' "$1"
	fi
}
expect_graph "$T/graph.err" "$walked"

test_begin "commits newer than the graph are read as objects"
git -C "$R" config core.commitGraph false
commit_at 12 20 "Late heap fix" src/memory/Late.java
git -C "$R" checkout -q -b late
commit_at 13 20 "Late cache branch" src/cache/Late.java
git -C "$R" checkout -q main
merge_at 14 20 late
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
scan newer_plain
scan newer_plain_late --date 2026-10-14
check "core.commitGraph=false: no commit-graph used" sh -c "! grep -q commit-graph '$T/newer_plain.err'"
git -C "$R" config core.commitGraph true
scan newer
scan newer_late --date 2026-10-14
test_cmp "$T/newer_plain.json" "$T/newer.json"
test_cmp "$T/newer_plain.walked" "$T/newer.walked"
test_cmp "$T/newer_plain_late.json" "$T/newer_late.json"
walked=$(sed -n 's/.*walked \([0-9]*\) commits.*/\1/p' "$T/newer.err")
expect_graph "$T/newer.err" $((walked - 3))

test_begin "a bare clone with its own graph gives the same answer"
git clone -q --bare "$R" "$T/bare.git"
git -C "$T/bare.git" commit-graph write --reachable
perf bisect --repo "$T/bare.git" --date 2026-10-11 --before 4d --top 0 --format json -v >"$T/bare.json" 2>"$T/bare.err"
echo "exit $?" >>"$T/bare.json"
test_cmp "$T/newer_plain.json" "$T/bare.json"
check "the bare clone's graph was used" grep -q "through the commit-graph" "$T/bare.err"

# Damage a copy of the graph with python; scan; expect the plain answer
# and the reason.
save=$T/graph.saved
cp "$GRAPH" "$save"
damaged() { # damaged NAME REASON PYTHON: PYTHON edits bytes b of the graph
	chmod u+w "$GRAPH" 2>/dev/null
	"${PYTHON3:-python3}" - "$save" "$GRAPH" "$3" <<'EOF'
import struct, sys, subprocess
src, dst, code = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, "rb").read())
n_chunks = b[6]
chunks = {}
for i in range(n_chunks):
    cid, off = struct.unpack(">4sQ", b[8 + 12 * i:20 + 12 * i])
    chunks[cid.decode()] = off
n = struct.unpack(">I", b[chunks["OIDF"] + 4 * 255:chunks["OIDF"] + 1024])[0]
def pos(rev):
    oid = bytes.fromhex(subprocess.check_output(["git", "-C", sys.argv[2].rsplit("/.git/", 1)[0], "rev-parse", rev]).decode().strip())
    ids = [bytes(b[chunks["OIDL"] + 20 * i:chunks["OIDL"] + 20 * i + 20]) for i in range(n)]
    return ids.index(oid)
def cdat(i):
    return chunks["CDAT"] + 36 * i
exec(code)
open(dst, "wb").write(b)
EOF
	scan "$1"
	test_cmp "$T/newer_plain.json" "$T/$1.json"
	test_cmp "$T/newer_plain.walked" "$T/$1.walked"
	if grep -q "^perf bisect: commit-graph not used: $2" "$T/$1.err"; then
		pass "says: $2"
	else
		fail "expected the note: $2"
		sed 's/^/#   /' "$T/$1.err"
	fi
}

test_begin "a graph with a bad signature is not used"
damaged badsig ".*/objects/info/commit-graph: no CGPH signature" 'b[0:4] = b"XXXX"'

test_begin "a truncated graph is not used"
damaged truncated ".*/objects/info/commit-graph: .*outside the file" 'del b[len(b) // 2:]'

test_begin "a window commit whose time disagrees with the graph: the objects decide"
damaged badtime "commit $(git -C "$R" rev-parse "$OCTOPUS") does not agree with it" \
	'i = pos("'"$OCTOPUS"'"); b[cdat(i) + 35] ^= 1'

test_begin "a window commit whose parents disagree with the graph: the objects decide"
damaged badparent "commit $(git -C "$R" rev-parse "$OCTOPUS^2") does not agree with it" \
	'i = pos("'"$OCTOPUS"'^2"); j = pos("'"$OCTOPUS"'"); b[cdat(i) + 20:cdat(i) + 24] = struct.pack(">I", j)'

test_begin "a parent position outside the graph: the objects decide"
damaged outside "the parents of commit $(git -C "$R" rev-parse "main~2") lie outside it" \
	'i = pos("main~2"); b[cdat(i) + 20:cdat(i) + 24] = struct.pack(">I", n + 5)'

test_begin "a split graph (commit-graphs/) is not read"
chmod u+w "$GRAPH" 2>/dev/null
rm -f "$GRAPH"
git -C "$R" commit-graph write --reachable --split
check "git wrote a split graph" [ -d "$R/.git/objects/info/commit-graphs" ]
rm -f "$GRAPH"
scan split
test_cmp "$T/newer_plain.json" "$T/split.json"
check "no commit-graph used" sh -c "! grep -q commit-graph '$T/split.err'"

test_done
