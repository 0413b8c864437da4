#!/bin/sh
# scope.sh - `ctrail scope` on a 4 M event snapshot (tests/progs/synth_ctr.c
# --random: 4 threads over 10 s, nested calls): time to write the page,
# its size in bytes per call, and how long headless Chromium takes to
# load it (performance.now() when the page is ready, decoding included;
# and the page with a range dragged, its flame graph drawn).  The
# Chromium part is skipped when chromium is not installed.  Figures only.
#
# usage: bench/scope.sh [EVENTS] (default 4000000), from the source tree
B=${CTRAIL_BUILD:-build}
EVENTS=${1:-4000000}
dir=$(mktemp -d /tmp/ctrail-bench-scope.XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$B/tests/synth_ctr" --random "$EVENTS" 4 10 "$dir/t.ctr" || exit 1
start=$(date +%s.%N)
"$B/bin/ctrail" scope "$dir/t.ctr" -o "$dir/t.html" || exit 1
end=$(date +%s.%N)
size=$(stat -c %s "$dir/t.html")
ctr=$(stat -c %s "$dir/t.ctr")
awk -v e="$EVENTS" -v s="$size" -v c="$ctr" -v t="$(awk "BEGIN { print $end - $start }")" 'BEGIN {
	printf "scope: %d events (%d calls): page written in %.2f s, %.1f MB (%.1f bytes/call; the .ctr is %.1f MB)\n",
		e, e / 2, t, s / 1e6, s / (e / 2), c / 1e6 }'

if ! command -v chromium >/dev/null; then
	echo "scope: chromium not installed: load time not measured"
	exit 0
fi
# load NAME QUERY: the page's own ready time and the whole run's
load() {
	t0=$(date +%s.%N)
	timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$dir/profile-$1" --virtual-time-budget=60000 \
		--dump-dom "file://$dir/t.html$2" >"$dir/dom-$1.html" 2>/dev/null
	t1=$(date +%s.%N)
	ms=$(grep -o 'data-load-ms="[0-9]*"' "$dir/dom-$1.html" | grep -o '[0-9]*')
	boxes=$(grep -o 'class="f"' "$dir/dom-$1.html" | wc -l)
	echo "scope: chromium $1: page ready after ${ms:-?} ms (${boxes} flame boxes drawn); whole headless run $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
}
load plain ""
load dragged "?drag=2,0,4,49"
echo "scope: goals: a 4 M event page loads in a few seconds; a loaded machine inflates both figures"
