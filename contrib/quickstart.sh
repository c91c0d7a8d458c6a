#!/bin/sh
# The newcomer's first minute: install what is missing (Debian, as root),
# build perf, and compare two bundled real JMH result files (the same
# Scala benchmarks on JDK 8 and JDK 11, from tkrs/jmh-template).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tests/run-suite.sh" --build-only
perf="$top/build/normal/perf"
J="$top/tests/fixtures/jmh"
echo "\$ perf compare --no-secondary template-jdk8.json template-jdk11.json"
status=0
"$perf" compare --no-secondary "$J/template-jdk8.json" "$J/template-jdk11.json" || status=$?
# 1 means "regression found", the answer this pair gives; 2 is trouble.
echo "(exit status $status: 0 no regression, 1 regression detected, 2 trouble)"
[ "$status" -le 1 ]
