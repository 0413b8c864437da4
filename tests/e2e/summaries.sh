#!/bin/sh
# summaries.sh - ctrail report, replay, flame and the folded / speedscope
# formats over s_sleep.c (known call counts, 2 ms sleeps, a recursion, a
# second thread), in every instrumentation mode: exact call counts and
# stacks, numbers consistent with each other and with the Trace Event
# JSON, the speedscope events adding up to exactly the folded stacks
# (summaries_check.py reads every format independently), the replay tree
# line by line, report sorting and CSV columns.  The flame graph is opened
# in headless Chromium: no console errors, the search marks the expected
# frames and shows the percent their widths give, a screenshot that is not
# blank.  Durations are only compared with each other or with the 2 ms the
# program sleeps, never with a time limit.
. "$(dirname "$0")/../lib.sh"
CHECK="python3 $CTRAIL_ROOT/tests/e2e/summaries_check.py"
C=$BIN/ctrail

# The function names and call counts of the report, sorted by name.
COUNTS="fact 4
main 1
nap 6
napper 1
side 1
tick 1000
ticker 1"
STACKS="main
main;fact
main;fact;fact
main;fact;fact;fact
main;fact;fact;fact;fact
main;napper
main;napper;nap
main;ticker
main;ticker;tick
side
side;nap"

# durations out: "   12.345ms  name" -> "name"; thread ids out
strip() { sed -e 's/^ *[0-9.]*[num]*s  //' -e 's/\[[0-9]*\]/[TID]/'; }

# field N of the CSV row of function NAME in FILE
csv_field() { awk -F, -v n="\"$2\"" -v f="$3" '$1 == n { print $f }' "$1"; }

check_report() { # MODE DIR
	m=$1 d=$2
	"$C" report --csv "$d/sleep.ctr" >"$d/r.csv" || { fail "$m-report" "exit $?"; return; }
	out=$($CHECK report "$d/r.csv") || { fail "$m-report-rows" "$out"; return; }
	expect_eq "$m-report-calls" "$COUNTS" "$(echo "$out" | grep -v '^self-sum' | sort)"
	self_sum=$(echo "$out" | sed -n 's/^self-sum //p')
	expect_eq "$m-report-self-sum-is-traced" "$($CHECK roots "$d/s.json")" "$self_sum"
	p50=$(csv_field "$d/r.csv" nap 7) min=$(csv_field "$d/r.csv" nap 5)
	total=$(csv_field "$d/r.csv" napper 3)
	if [ "$min" -ge 2000000 ] && [ "$p50" -ge 2000000 ] && [ "$total" -ge 10000000 ]; then
		pass "$m-report-sleeps"; else
		fail "$m-report-sleeps" "nap min $min p50 $p50, napper total $total"; fi
	# recursion: total is the outermost call, i.e. the longest one
	expect_eq "$m-report-recursion-total" "$(csv_field "$d/r.csv" fact 9)" \
		"$(csv_field "$d/r.csv" fact 3)"
	expect_eq "$m-report-sort-calls" "tick nap fact main napper side ticker" \
		"$("$C" report --csv --sort calls "$d/sleep.ctr" | sed 1d | cut -d'"' -f2 | xargs)"
	expect_eq "$m-report-sort-name-top" "fact main nap" \
		"$("$C" report --csv --sort name --top 3 "$d/sleep.ctr" | sed 1d | cut -d'"' -f2 | xargs)"
	expect_eq "$m-report-default-self" "nap" \
		"$("$C" report --csv "$d/sleep.ctr" | sed -n '2s/^"\([^"]*\)".*/\1/p')"
	expect_eq "$m-report-text" "calls total self self% min mean p50 p99 max function
nap 1
side 1" "$("$C" report --threads s-side "$d/sleep.ctr" |
		awk 'NR == 1 { $1 = $1; print; next } /calls of/ { next } { print $NF, $1 }')"
	expect_eq "$m-report-until-0" "main" \
		"$("$C" report --csv --until 0ns "$d/sleep.ctr" | sed 1d | cut -d'"' -f2)"
}

check_formats() { # MODE DIR
	m=$1 d=$2
	"$C" convert "$d/sleep.ctr" -o "$d/s.folded" &&
		"$C" convert "$d/sleep.ctr" -o "$d/s.speedscope.json" ||
		{ fail "$m-convert" "exit $?"; return; }
	expect_eq "$m-folded-stacks" "$STACKS" "$(sed 's/ [0-9]*$//' "$d/s.folded")"
	expect_eq "$m-folded-sum-is-traced" "$($CHECK roots "$d/s.json")" \
		"$($CHECK folded "$d/s.folded")"
	if out=$($CHECK speedscope "$d/s.speedscope.json"); then
		expect_eq "$m-speedscope-is-folded" "$(sort "$d/s.folded")" "$out"
	else
		fail "$m-speedscope" "$out"
	fi
	"$C" convert --threads s-side "$d/sleep.ctr" -o "$d/side.folded"
	expect_eq "$m-folded-thread" "side
side;nap" "$(sed 's/ [0-9]*$//' "$d/side.folded")"
	expect_eq "$m-folded-thread-sum" "$($CHECK roots "$d/s.json" s-side)" \
		"$($CHECK folded "$d/side.folded")"
}

check_replay() { # MODE DIR
	m=$1 d=$2
	expect_eq "$m-replay-min" "thread sleep [TID]
main
  napper
    nap
    nap
    nap
    nap
    nap" "$("$C" replay --min 1ms --threads sleep "$d/sleep.ctr" | strip)"
	expect_eq "$m-replay-thread" "thread s-side [TID]
side
  nap" "$("$C" replay --threads s-side "$d/sleep.ctr" | strip)"
	expect_eq "$m-replay-F" "thread sleep [TID]
fact
  fact
    fact
      fact" "$("$C" replay -F fact "$d/sleep.ctr" | strip)"
	expect_eq "$m-replay-counts" "$COUNTS" "$("$C" replay "$d/sleep.ctr" |
		grep -v '^thread' | strip | sed 's/^ *//' | sort | uniq -c |
		awk '{ print $2, $1 }')"
	# interleaved: the side thread ran before main's calls below main
	expect_eq "$m-replay-interleave" "sleep[TID] main
s-side[TID] side
s-side[TID] nap
sleep[TID] napper
sleep[TID] nap
sleep[TID] nap
sleep[TID] nap
sleep[TID] nap
sleep[TID] nap" "$("$C" replay --interleave --min 1ms "$d/sleep.ctr" |
		sed 's/\[[0-9]*\]/[TID]/' | awk '{ print $2, $NF }')"
	expect_eq "$m-replay-no-color-in-pipe" "0" \
		"$("$C" replay "$d/sleep.ctr" | grep -c "$(printf '\033')")"
	if [ "$("$C" replay --color=always -F napper "$d/sleep.ctr" | grep -c "$(printf '\033')\[36m")" = 6 ]; then
		pass "$m-replay-color-always"; else fail "$m-replay-color-always" "no colored durations"; fi
}

for mode in $MODES; do
	d=$WORK/$mode
	mkdir -p "$d"
	if build $mode "$d/sleep" "$PROGS/s_sleep.c" -lpthread &&
		trace "$d/sleep.ctr" "$d/sleep" &&
		"$C" convert "$d/sleep.ctr" -o "$d/s.json"; then
		check_report $mode "$d"
		check_formats $mode "$d"
		check_replay $mode "$d"
	else
		fail "$mode-sleep" "build, run or convert failed"
	fi
done

# chromium PAGE ARGS... : headless Chromium on a local file, logging the
# page's console to stderr
chromium_run() {
	page=$1; shift
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$(mktemp -d "$WORK/chr.XXXXXX")" \
		--enable-logging=stderr --v=0 "$@" "file://$page"
}

d=$WORK/gcc-finstr
if [ -f "$d/sleep.ctr" ] && "$C" flame "$d/sleep.ctr" -o "$d/flame.svg"; then
	expect_ok flame-xml python3 -c "import xml.dom.minidom, sys; xml.dom.minidom.parse(sys.argv[1])" "$d/flame.svg"
	if ! command -v chromium >/dev/null; then
		fail flame-chromium "chromium is not installed (tools/install-deps.sh installs it)"
	else
		chromium_run "$d/flame.svg?s=^nap\$" --dump-dom >"$d/dom.html" 2>"$d/console.txt"
		expect_eq flame-console "" "$(grep -E 'CONSOLE|Uncaught' "$d/console.txt")"
		out=$($CHECK dom "$d/dom.html")
		expect_eq flame-search-frames "matched nap nap" "$(echo "$out" | sed -n 1p)"
		shown=$(echo "$out" | sed -n 's/^shown //p')
		expect_eq flame-search-percent "$(echo "$out" | sed -n 's/^computed //p')" "$shown"
		chromium_run "$d/flame.svg" --window-size=1200,400 \
			--screenshot="$d/flame.png" >/dev/null 2>&1
		colours=$($CHECK png "$d/flame.png")
		if [ "${colours:-0}" -ge 8 ]; then pass flame-screenshot; else
			fail flame-screenshot "only ${colours:-no} colours in the screenshot"; fi
	fi
	"$C" flame --per-thread --inverted --threads s-side "$d/sleep.ctr" -o "$d/side.svg"
	expect_eq flame-per-thread-inverted "all s-side [TID] side nap" \
		"$(grep -o 'data-n="[^"]*"' "$d/side.svg" | sed 's/data-n="\(.*\)"/\1/; s/\[[0-9]*\]/[TID]/' | xargs)"
	if grep -q "icicle\|(inverted)" "$d/side.svg"; then pass flame-inverted-noted; else
		fail flame-inverted-noted "no mention of the inversion"; fi
else
	fail flame "no trace or ctrail flame failed"
fi

# usage and errors: exit 2 for bad options, 1 for bad input, no partial file
for cmd in flame report replay; do
	expect_ok "$cmd-help" "$C" $cmd --help
	"$C" $cmd --bogus x.ctr 2>/dev/null
	expect_eq "$cmd-usage-exit" 2 $?
	"$C" $cmd "$WORK/missing.ctr" >/dev/null 2>&1
	expect_eq "$cmd-missing-exit" 1 $?
done
"$C" report --sort bogus "$d/sleep.ctr" 2>/dev/null
expect_eq report-bad-sort 2 $?
"$C" replay --min 5 "$d/sleep.ctr" 2>/dev/null
expect_eq replay-bad-min 2 $?
"$C" flame "$WORK/missing.ctr" -o "$WORK/missing.svg" 2>/dev/null
expect_eq flame-no-partial "" "$(ls "$WORK" | grep 'missing')"
"$C" flame "$d/sleep.ctr" -o "$WORK/no/such/dir/f.svg" 2>/dev/null
expect_eq flame-bad-output-exit 1 $?
