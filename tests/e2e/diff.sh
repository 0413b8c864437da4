#!/bin/sh
# ctrail diff over synthetic traces with chosen times (tests/progs/
# synth_ctr.c, 1 GHz: ticks are ns), so every figure is known exactly:
# per-function calls, totals, self times, their changes and shares, with
# and without --normalize; the differential flame graph colours the grown
# function red, the shrunk one blue, the unchanged one white; --slowest
# picks the slowest kept occurrence and the median of the others; bad use
# exits 2, bad input 1 without a partial file.
. "$(dirname "$0")/../lib.sh"
C=$BIN/ctrail
SYNTH=$CTRAIL_BUILD/tests/synth_ctr

# main_loop 0..1000 calls grow 100, shrink 300, same 200, gone 50 (A);
# in B grow takes 400, shrink 100, same 200, fresh 30 (calling same for
# 10), and gone is gone.  Equal shares go in name order.
"$SYNTH" "$WORK/a.ctr" <<'EOT'
thread 1 main
call main_loop 0
call grow 100
return grow 200
call shrink 200
return shrink 500
call same 500
return same 700
call gone 700
return gone 750
return main_loop 1000
EOT
"$SYNTH" "$WORK/b.ctr" <<'EOT'
thread 1 main
call main_loop 0
call grow 100
return grow 500
call shrink 500
return shrink 600
call same 600
return same 800
call fresh 800
call same 805
return same 815
return fresh 830
return main_loop 1100
EOT

expect_eq diff-csv 'function,calls_a,calls_b,total_a_ns,total_b_ns,self_a_ns,self_b_ns,delta_ns,share_pct
"grow",1,1,100,400,100,400,300,300.00
"fresh",0,1,0,30,0,20,20,20.00
"main_loop",1,1,1000,1100,350,370,20,20.00
"same",1,2,200,210,200,210,10,10.00
"gone",1,0,50,0,50,0,-50,-50.00
"shrink",1,1,300,100,300,100,-200,-200.00' "$("$C" diff --csv "$WORK/a.ctr" "$WORK/b.ctr")"

# normalized: A's times * 1100/1000; shares of the growths (310)
expect_eq diff-normalize 'function,calls_a,calls_b,total_a_ns,total_b_ns,self_a_ns,self_b_ns,delta_ns,share_pct
"grow",1,1,110,400,110,400,290,93.54
"fresh",0,1,0,30,0,20,20,6.45
"same",1,2,220,210,220,210,-10,-3.22
"main_loop",1,1,1100,1100,385,370,-15,-4.83
"gone",1,0,55,0,55,0,-55,-17.74
"shrink",1,1,330,100,330,100,-230,-74.19' "$("$C" diff --csv --normalize "$WORK/a.ctr" "$WORK/b.ctr")"

out=$("$C" diff "$WORK/a.ctr" "$WORK/b.ctr" -o "$WORK/d.svg")
expect_eq diff-text-head "A: $WORK/a.ctr: traced time 1.000us
B: $WORK/b.ctr: traced time 1.100us
change: +100ns" "$(echo "$out" | sed -n 1,3p)"
expect_eq diff-text-first "1 1 100ns 400ns 100ns 400ns +300ns 300.00 grow" \
	"$(echo "$out" | sed -n 5p | xargs)"
expect_eq diff-cause "most of the change is under main_loop > grow (+300ns of +100ns, 300.00%)" \
	"$(echo "$out" | tail -1)"
expect_eq diff-cause-shrink "most of the change is under main_loop > grow (-300ns of -100ns, 300.00%)" \
	"$("$C" diff "$WORK/b.ctr" "$WORK/a.ctr" | tail -1)"
expect_eq diff-top "grow fresh" "$("$C" diff --csv --top 2 "$WORK/a.ctr" "$WORK/b.ctr" | sed 1d | cut -d'"' -f2 | xargs)"

# colours: name -> fill, per box of B's flame graph
fills=$(python3 - "$WORK/d.svg" <<'PY'
import re, sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
for g in doc.getElementsByTagName("g"):
    if g.getAttribute("class") == "f":
        print(g.getAttribute("data-d"), g.getAttribute("data-n"),
              g.getElementsByTagName("rect")[0].getAttribute("fill"))
PY
)
fills=$(echo "$fills" | sort)
expect_eq diff-svg-colours "0 all rgb(240,240,240)
1 main_loop rgb(255,196,196)
2 fresh rgb(255,196,196)
2 grow rgb(255,0,0)
2 same rgb(240,240,240)
2 shrink rgb(70,70,255)
3 same rgb(255,203,203)" "$fills"
if chromium_dom "file://$WORK/d.svg?s=^grow\$" "$WORK/d.dom"; then
	expect_eq diff-svg-chromium-console "" "$(grep -E 'CONSOLE|Uncaught' "$WORK/d.dom.console")"
	expect_eq diff-svg-chromium-search 'data-matched="36.36"' "$(grep -o 'data-matched="[0-9.]*"' "$WORK/d.dom")"
else
	fail diff-svg-chromium "chromium is not installed (tools/install-deps.sh installs it)"
fi
if grep -q '<title>shrink [^<]*in A 300ns, self 300ns; self change -200ns' "$WORK/d.svg"; then
	pass diff-svg-tooltip; else fail diff-svg-tooltip "$(grep -o '<title>shrink[^<]*' "$WORK/d.svg")"; fi

# --slowest: four occurrences; B the slowest (rank 1), A the median of
# the three others by duration (400), whatever their order in the file
{
	for occ in "2 500 300" "1 900 600" "4 300 200" "3 400 250"; do
		set -- $occ
		echo "snapshot event $1 $2"
		echo "thread 1 main"
		echo "call handle 0"
		echo "call lookup 10"
		echo "return lookup $3"
		echo "return handle $2"
	done
	echo "snapshot other 1 50"
	echo "thread 1 main"
	echo "call main_loop 0"
	echo "return main_loop 50"
} | "$SYNTH" "$WORK/flows.ctr"
out=$("$C" diff --slowest "$WORK/flows.ctr")
expect_eq diff-slowest-sides 'A: snapshot 3, "event" taking 400ns, the median of the 3 others: traced time 400ns
B: snapshot 1, "event" taking 900ns, the slowest: traced time 900ns
change: +500ns' "$(echo "$out" | sed -n 1,3p)"
expect_eq diff-slowest-cause "most of the change is under handle > lookup (+350ns of +500ns, 70.00%)" \
	"$(echo "$out" | tail -1)"
expect_eq diff-slowest-flow 'only one occurrence' \
	"$("$C" diff --slowest --flow other "$WORK/flows.ctr" 2>&1 | grep -o 'only one occurrence')"
"$C" diff --slowest "$WORK/a.ctr" 2>/dev/null
expect_eq diff-slowest-no-flows 1 $?

# usage and errors
"$C" diff "$WORK/a.ctr" 2>/dev/null
expect_eq diff-one-trace 2 $?
"$C" diff --slowest "$WORK/flows.ctr" "$WORK/a.ctr" 2>/dev/null
expect_eq diff-slowest-two 2 $?
"$C" diff "$WORK/a.ctr" "$WORK/missing.ctr" -o "$WORK/m.svg" 2>/dev/null
expect_eq diff-missing 1 $?
expect_eq diff-no-partial "" "$(ls "$WORK" | grep 'm.svg')"
expect_ok diff-help "$C" diff --help
