#!/bin/sh
# Run perfsuite's whole test suite from a fresh clone on Debian:
# install what is missing (as root), build out of tree, run `make check`.
#
#   sh tests/run-suite.sh                 normal build in build/normal
#   sh tests/run-suite.sh --sanitize      -fsanitize=address,undefined build
#   sh tests/run-suite.sh --valgrind      the suite again with every perf run
#                                         (and the Check runner) under
#                                         valgrind memcheck, leaks included
#   sh tests/run-suite.sh --distcheck     make distcheck
#   sh tests/run-suite.sh --build-only    install and build, no tests
#
# Ends with a line "N passed, N failed" (Check and CLI test counts).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mode=normal
case "${1:-}" in
--sanitize) mode=sanitize ;;
--distcheck) mode=distcheck ;;
--valgrind) mode=valgrind ;;
--build-only) mode=build ;;
"") ;;
*) echo "usage: sh tests/run-suite.sh [--sanitize|--valgrind|--distcheck|--build-only]" >&2; exit 2 ;;
esac

# Build and test dependencies, all Debian packages.
pkgs="build-essential autoconf automake pkg-config libjsmn-dev libgit2-dev
libcurl4-openssl-dev libyaml-dev check python3 git mandoc"
[ "$mode" = valgrind ] && pkgs="$pkgs valgrind"
[ -f "$top/tests/extra-packages" ] && pkgs="$pkgs $(grep -v '^#' "$top/tests/extra-packages")"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "run-suite: missing packages:$missing (run as root to install them)" >&2
		exit 2
	fi
	echo "run-suite: installing$missing" >&2
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi

# --build-only builds the normal tree, the one contrib/quickstart.sh runs.
case "$mode" in
build) b="$top/build/normal" ;;
*) b="$top/build/$mode" ;;
esac
mkdir -p "$b"
cd "$b"
jobs=$(nproc 2>/dev/null || echo 2)
case "$mode" in
sanitize)
	san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	[ -f Makefile ] || "$top/configure" -q CFLAGS="-g -O1 $san" LDFLAGS="$san" >/dev/null
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=98"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
	;;
*)
	[ -f Makefile ] || "$top/configure" -q >/dev/null
	;;
esac
make -s -j"$jobs" >/dev/null
[ "$mode" = build ] && exit 0
if [ "$mode" = distcheck ]; then
	make -s distcheck
	exit $?
fi

status=0
if [ "$mode" = valgrind ]; then
	# Every perf the tests run goes through valgrind: PERF is a wrapper
	# (which keeps the perf-APPLET link names working).
	cat >perf-valgrind <<EOW
#!/bin/sh
self=\$(basename "\$0")
case "\$self" in
perf-valgrind) ;;
*-*) set -- "\${self##*-}" "\$@" ;;
esac
exec valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \\
	--show-leak-kinds=definite --track-fds=no "$b/perf" "\$@"
EOW
	chmod +x perf-valgrind
	make -s -j"$jobs" check PERF_UNDER_TEST="$b/perf-valgrind" CK_FORK=no \
		LOG_COMPILER="valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite" \
		>/dev/null 2>&1 || status=$?
else
	make -s -j"$jobs" check >/dev/null 2>&1 || status=$?
fi
# Per-test results for the log, then the failures in full.
grep -h '^:test-result:' tests/cli/*.trs tests/unit/*.trs 2>/dev/null | sort | uniq -c || true
cli_pass=0 cli_fail=0
for log in tests/cli/*.log; do
	[ -f "$log" ] || continue
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		set -- $line
		cli_pass=$((cli_pass + $1))
		cli_fail=$((cli_fail + $3))
	fi
done
unit_pass=0 unit_fail=0
if [ -f tests/unit/check_perf.log ]; then
	line=$(grep -E '^[0-9]+%: Checks: ' tests/unit/check_perf.log | tail -n 1 || true)
	echo "unit tests: ${line:-no summary (the runner died; see tests/unit/check_perf.log)}"
	if [ -n "$line" ]; then
		checks=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
		fails=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
		set -- $fails
		unit_fail=$(($1 + $2))
		unit_pass=$((checks - unit_fail))
	else
		unit_fail=1
	fi
fi
if [ "$status" != 0 ]; then
	for trs in tests/cli/*.trs tests/unit/*.trs; do
		grep -q '^:test-result: FAIL' "$trs" 2>/dev/null || continue
		log=${trs%.trs}.log
		echo "==== $log"
		grep -E '^not ok|^#' "$log" | head -60 || cat "$log" | head -60
	done
fi
echo "$mode: $((cli_pass + unit_pass)) passed, $((cli_fail + unit_fail)) failed"
exit "$status"
