#!/bin/sh
# ctrail scope in headless Chromium, over a synthetic trace of two threads
# (tests/progs/synth_ctr.c --random): the page renders without console
# errors and loads nothing from anywhere; a scripted drag (?drag=, real
# mouse events on the heatmap's cells) selects a range whose flame graph
# has exactly the boxes `ctrail flame --since --until --clip` draws for it
# (names, depths, offsets and widths in ns), for all threads and for one
# (?thread=); the heatmap's cells hold exactly the traced time `ctrail
# report --clip` finds over the same cells.  Bad use exits 2, bad input 1
# without a partial page.
. "$(dirname "$0")/../lib.sh"
C=$BIN/ctrail

"$CTRAIL_BUILD/tests/synth_ctr" --random 200000 2 2.5 "$WORK/r.ctr" || fail synth "no trace"
"$C" scope "$WORK/r.ctr" -o "$WORK/r.html" --span 500ms --rows 20 || fail scope "exit $?"
if grep -qiE '<script[^>]* src=|<link|<img|@import|url\(' "$WORK/r.html"; then
	fail scope-self-contained "$(grep -oiE '<script[^>]* src=[^>]*|<link[^>]*|<img[^>]*|@import|url\(' "$WORK/r.html" | head -3)"
else pass scope-self-contained; fi
expect_eq scope-says-traced 1 "$(grep -c 'Colour: traced time (no scheduling events' "$WORK/r.html")"

# boxes FILE: "depth name offset width" of each flame box, sorted
boxes() {
	python3 -c '
import re, sys
text = open(sys.argv[1]).read()
print("\n".join(sorted(set("%s %s %s %s" % (m[3], m[0], m[1], m[2]) for m in re.findall(
    r"class=\"f\" data-n=\"([^\"]*)\" data-x=\"(\d+)\" data-w=\"(\d+)\" data-d=\"(\d+)\"", text)))))' "$1"
}
# attr FILE NAME: the range's data-NAME
attr() { grep -o "id=\"numbers\" [^>]*" "$1" | grep -o "data-$2=\"[0-9]*\"" | grep -o '[0-9]*'; }

if ! command -v chromium >/dev/null; then
	fail scope-chromium "chromium is not installed (tools/install-deps.sh installs it)"
	exit 0
fi
# page NAME QUERY: the DOM after load; no console errors
page() {
	chromium_dom "file://$WORK/r.html$2" "$WORK/$1.html"
	expect_eq "scope-$1-console" "" "$(grep -E 'CONSOLE|Uncaught' "$WORK/$1.html.console")"
	expect_eq "scope-$1-ready" 1 "$(grep -c '<body[^>]*data-ready="1"' "$WORK/$1.html")"
}

# cells of 25 ms; all threads, cells (0, 3) to (1, 6): 75 ms to 675 ms
page all "?drag=0,3,1,6"
expect_eq scope-all-range "75000000 675000000" "$(attr "$WORK/all.html" from) $(attr "$WORK/all.html" to)"
"$C" flame --since 75ms --until 675ms --clip "$WORK/r.ctr" -o "$WORK/all.svg"
boxes "$WORK/all.svg" >"$WORK/all.want"
boxes "$WORK/all.html" >"$WORK/all.got"
if [ -s "$WORK/all.want" ] && cmp -s "$WORK/all.want" "$WORK/all.got"; then
	pass "scope-all-boxes ($(wc -l <"$WORK/all.got") boxes)"
else fail scope-all-boxes "$(diff "$WORK/all.want" "$WORK/all.got" | head -5)"; fi
expect_eq scope-all-total "$(grep -o 'data-n="all" data-x="0" data-w="[0-9]*"' "$WORK/all.svg" | sed 's/.*="\([0-9]*\)"/\1/')" \
	"$(attr "$WORK/all.html" total)"

# one thread, dragged backwards: (2, 1) to (0, 19) is 475 ms to 1.050 s
page one "?thread=1&drag=2,1,0,19"
expect_eq scope-one-range "475000000 1050000000" "$(attr "$WORK/one.html" from) $(attr "$WORK/one.html" to)"
"$C" flame --threads 1001 --since 475ms --until 1050ms --clip "$WORK/r.ctr" -o "$WORK/one.svg"
boxes "$WORK/one.svg" >"$WORK/one.want"
boxes "$WORK/one.html" >"$WORK/one.got"
if [ -s "$WORK/one.want" ] && cmp -s "$WORK/one.want" "$WORK/one.got"; then
	pass "scope-one-boxes ($(wc -l <"$WORK/one.got") boxes)"
else fail scope-one-boxes "$(diff "$WORK/one.want" "$WORK/one.got" | head -5)"; fi

# cells: the value drawn against report's traced time (the sum of self
# times) over the cell, all threads (all.html) and thread 1001 (one.html)
for cell in 0,0 0,7 1,12 2,19; do
	c=${cell%,*} r=${cell#*,}
	from=$(( (c * 20 + r) * 25000000 )) to=$(( (c * 20 + r + 1) * 25000000 ))
	for view in all one; do
		[ $view = one ] && th="--threads 1001" || th=
		want=$("$C" report --csv --clip $th --since ${from}ns --until ${to}ns "$WORK/r.ctr" |
			awk -F, 'NR > 1 { s += $4 } END { print s + 0 }')
		got=$(grep -o "data-c=\"$c\" data-r=\"$r\" data-v=\"[0-9]*\"" "$WORK/$view.html" | sed 's/.*="\([0-9]*\)"/\1/')
		expect_eq "scope-cell-$view-$c-$r" "$want" "$got"
	done
done

# usage and errors
"$C" scope --rows 0 "$WORK/r.ctr" 2>/dev/null
expect_eq scope-bad-rows 2 $?
"$C" scope --span 5 "$WORK/r.ctr" 2>/dev/null
expect_eq scope-bad-span 2 $?
"$C" scope "$WORK/missing.ctr" -o "$WORK/missing.html" 2>/dev/null
expect_eq scope-missing 1 $?
expect_eq scope-no-partial "" "$(ls "$WORK" | grep 'missing')"
expect_ok scope-help "$C" scope --help
