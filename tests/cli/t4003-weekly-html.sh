#!/bin/sh
# perf weekly --format html and markdown: well-formed (XHTML-compatible),
# self-contained (no script, nothing fetched), every text from the data
# escaped, the figures present; rendered in headless Chromium to a
# screenshot that is not blank and a DOM that holds the figures (skipped,
# with a note, when chromium is not installed).
. "$top_srcdir/tests/cli/lib.sh"
PY="${PYTHON3:-python3}"
GEN="$PY $top_srcdir/tests/cli/histgen.py"

$GEN gen --start 2026-11-16 --days 14 --seed 9 --drift 8 --extra '<script>alert(1)</script>' \
	--extra 'a&b."quoted"' >"$T/h.jsonl"
cat >>"$T/h.jsonl" <<'EOF'
{"timestamp": "2026-11-25T12:00:00Z", "event": "regression", "type": "<img src=x onerror=alert(2)>", "severity": "high", "current": 14.0, "baseline": 12.0, "issue_url": "https://github.example/o/r/issues/7?a=1&b=<2>"}
{"timestamp": "2026-11-25T13:00:00Z", "event": "regression", "type": "tps", "severity": "medium", "current": 18.0, "baseline": 19.9, "issue_url": "javascript:alert(3)"}
EOF

test_begin "html: one well-formed, self-contained XHTML document"
run 1 perf weekly --history "$T/h.jsonl" -w 2026-11-23 --title 'Ops <weekly> & co'
cp "$T/out" "$T/r.html"
check "parses as XML" "$PY" -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$T/r.html"
check "parses as HTML with balanced tags" "$PY" - "$T/r.html" <<'EOF'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "img", "hr", "input", "link"}
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(tag)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
sys.exit(1 if p.bad or p.stack else 0)
EOF
expect_out '^<!DOCTYPE html>'
expect_not_out '<script'
expect_not_out '<img'
expect_not_out '<link'
expect_not_out '<[a-z]+ [^>]*src='
expect_not_out 'href="javascript'
expect_not_out '@import|url\('
expect_out '<svg xmlns="http://www.w3.org/2000/svg"'
expect_out '@media print'
expect_out '<title>Ops &lt;weekly&gt; &amp; co - 2026-11-23 to 2026-11-30</title>'

test_begin "html: data is text, never markup"
check "the parsed document holds the names as text" "$PY" - "$T/r.html" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"h": "http://www.w3.org/1999/xhtml"}
root = ET.parse(sys.argv[1]).getroot()
texts = ["".join(e.itertext()) for e in root.iter()]
need = ["<script>alert(1)</script>", 'a&b."quoted"', "<img src=x onerror=alert(2)>", "Ops <weekly> & co"]
missing = [n for n in need if not any(n in t for t in texts)]
tags = {e.tag.split("}")[1] for e in root.iter()}
links = [a.get("href") for a in root.iter("{http://www.w3.org/1999/xhtml}a")]
ok = not missing and not (tags & {"script", "img", "iframe", "object"}) \
    and links == ["https://github.example/o/r/issues/7?a=1&b=<2>"]
if not ok:
    print(missing, tags, links)
sys.exit(0 if ok else 1)
EOF
expect_out '&lt;script&gt;alert\(1\)&lt;/script&gt;'
expect_out 'javascript:alert\(3\)'

test_begin "html: the figures, cards, charts, changes and recommendations"
run 1 perf weekly --history "$T/h.jsonl" -w 2026-11-23 -f json
cp "$T/out" "$T/r.json"
check "each summary figure in the HTML matches the JSON" "$PY" - "$T/r.html" "$T/r.json" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ids = {e.get("id"): "".join(e.itertext()) for e in root.iter() if e.get("id")}
import json
d = json.load(open(sys.argv[2]))["metrics_summary"]
want = {
    "chunk-average": "%.2f ms" % d["chunk_loading"]["average_ms"],
    "chunk-p95": "%.2f ms" % d["chunk_loading"]["p95_ms"],
    "chunk-wow": "%+.1f%%" % d["chunk_loading"]["week_over_week_change"],
    "memory-heap": "%.0f MB" % d["memory"]["average_heap_mb"],
    "memory-peak": "%.0f MB" % d["memory"]["peak_mb"],
    "memory-gc": "%.2f/hour" % d["memory"]["gc_per_hour"],
    "tps-average": "%.2f" % d["tps"]["average"],
    "tps-stability": "%.2f%%" % d["tps"]["stability_percent"],
    "tps-worst": "%.2f" % d["tps"]["worst_5min"],
    "week-start": "2026-11-23", "week-end": "2026-11-30",
}
bad = {k: (v, ids.get(k)) for k, v in want.items() if ids.get(k) != v}
print(bad if bad else "")
sys.exit(1 if bad else 0)
EOF
check "three charts with two series each" [ "$(grep -c '<svg xmlns' "$T/r.html")" = 3 ]
check "the changes are classed" [ "$(grep -c '<div class="metric regression">' "$T/r.html")" -ge 3 ]
html_has() { if grep -Eq -- "$1" "$T/r.html"; then pass "html has /$1/"; else fail "html lacks /$1/"; fi; }
html_has '<div class="metric improvement">'
html_has '<h3>Other Metrics</h3>'
html_has '<ul id="recommendations">'
html_has 'week_over_week_change'

test_begin "html: missing families and an empty week say so"
run 0 perf weekly --history "$T/h.jsonl" -w 2027-01-04 -o "$T/empty.html"
check "parses as XML" "$PY" -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$T/empty.html"
check "says there are no samples" grep -q 'id="no-samples"' "$T/empty.html"
check "charts say no data" [ "$(grep -c '>no data</text>' "$T/empty.html")" = 3 ]

test_begin "markdown: escaped, with the figures"
run 1 perf weekly --history "$T/h.jsonl" -w 2026-11-23 -f markdown --title 'Ops <weekly>'
grep -Eq '^# Ops &lt;weekly&gt;$' "$T/out" && pass "title escaped" || fail "title not escaped"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/out" && pass "metric name escaped" || fail "metric name not escaped"
grep -q '<script' "$T/out" && fail "raw <script> in markdown" || pass "no raw <script>"
grep -q '&lt;img src=x onerror=alert(2)&gt;' "$T/out" && pass "event type escaped" || fail "event type not escaped"
grep -Eq '^\| Chunk loading average \| [0-9.]+ ms \| [0-9.]+ ms \| \+[0-9.]+% \|$' "$T/out" && pass "summary row" || fail "summary row"
grep -q '^## Recommendations' "$T/out" && pass "recommendations" || fail "recommendations"

test_begin "headless Chromium renders the report"
CHROMIUM=
for c in chromium chromium-browser; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
if [ -z "$CHROMIUM" ]; then
	pass "skip: chromium is not installed (apt-get install chromium)"
else
	crun() {
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" "$@" 2>"$T/chrome.err"
	}
	crun --screenshot="$T/shot.png" --window-size=1200,2000 "file://$T/r.html" >/dev/null
	check "a screenshot was written" [ -s "$T/shot.png" ]
	check "the screenshot is not blank" "$PY" - "$T/shot.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ctype]
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 9 == 0:
        for x in range(0, stride, bpp * 3):
            colours.add(bytes(line[x:x + bpp]))
sys.exit(0 if len(colours) > 1 else 1)
EOF
	crun --dump-dom "file://$T/r.html" >"$T/dom.html"
	fig=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f ms" % d["metrics_summary"]["chunk_loading"]["average_ms"])' "$T/r.json")
	check "the DOM holds the chunk loading figure ($fig)" grep -q "id=\"chunk-average\">$fig<" "$T/dom.html"
	check "the DOM holds the charts" [ "$(grep -c '<svg' "$T/dom.html")" -ge 3 ]
	check "the DOM holds the metric name as text" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/dom.html"
	check "no script element in the DOM" sh -c "! grep -q '<script' '$T/dom.html'"
fi

test_done
