#!/bin/sh
# count.sh - the call counter and the exclusion list, in every mode.
# Counting: programs built with `ctrail-cc --count` give exact totals under
# contention (4 threads x 1,000,000 calls), in a linked and a dlopen'ed
# library, on SIGTRAP and after fork; `ctrail count` prints them as a
# table, CSV, names, --top, and merges runs.  Exclusion: a program built
# with --exclude-file and traced with the normal runtime loses exactly the
# listed functions, named in demangled, mangled and C form.
. "$(dirname "$0")/../lib.sh"

# rows FILE... : "calls function module" of `ctrail count --merge --csv`.
rows() {
	"$BIN/ctrail" count --merge --csv "$@" | awk -F, 'NR > 1 { print $1, $2, $3 }'
}

THREADS_ROWS="4000000 hot c_threads
1000 lib_hot libc_lib.so
500 plugin_leaf c_plugin.so
4 worker c_threads
1 main c_threads
1 plugin_entry c_plugin.so"

for mode in $MODES; do
	build $mode "$WORK/libc_lib.so" "$PROGS/c_lib.c" --count -shared -fPIC &&
		build $mode "$WORK/c_plugin.so" "$PROGS/c_plugin.c" --count -shared -fPIC &&
		build $mode "$WORK/c_threads" "$PROGS/c_threads.c" --count \
			-L"$WORK" -lc_lib -Wl,-rpath,"$WORK" &&
		CTRAIL_OUTPUT="$WORK/a.ctr" "$WORK/c_threads" "$WORK/c_plugin.so" &&
		CTRAIL_OUTPUT="$WORK/b.ctr" "$WORK/c_threads" "$WORK/c_plugin.so" ||
		{ fail "$mode-count-build" "build or run failed"; continue; }
	expect_eq "$mode-count-exact" "$THREADS_ROWS" "$(rows "$WORK/a.ctr")"
	expect_eq "$mode-count-linked-not-traced" "" \
		"$(ldd "$WORK/c_threads" | grep -o 'libctrail\.so')"

	"$BIN/ctrail" count --csv "$WORK/a.ctr" > "$WORK/a.csv"
	expect_eq "$mode-count-merge" "$(echo "$THREADS_ROWS" | awk '{ print 2 * $1, $2, $3 }')" \
		"$(rows "$WORK/a.csv" "$WORK/b.ctr")"

	# exclusion: traced with libctrail, the listed functions are gone
	printf '# leave these out\nns::skip(int)\n\nskip_too\n' > "$WORK/ex1.txt"
	printf '_ZN2ns4skipEi\nskip_too [clone .part.0]\n' > "$WORK/ex2.txt"
	for list in ex1 ex2; do
		build $mode "$WORK/exc" "$PROGS/c_exclude.cpp" --exclude-file "$WORK/$list.txt" &&
			trace "$WORK/exc.ctr" "$WORK/exc" ||
			{ fail "$mode-exclude-$list" "build or run failed"; continue; }
		expect_eq "$mode-exclude-$list" "call main
call keep(int)
call ns::leaf(int)
return ns::leaf(int)
call ns::leaf(int)
return ns::leaf(int)
call ns::skip(double)
call ns::leaf(int)
return ns::leaf(int)
return ns::skip(double)
return keep(int)
return main" "$(thread_events "$WORK/exc.ctr" exc)"
	done
	# without a parameter list every overload goes
	printf 'ns::skip\nkeep\n' > "$WORK/ex3.txt"
	build $mode "$WORK/exc" "$PROGS/c_exclude.cpp" --exclude-file "$WORK/ex3.txt" &&
		trace "$WORK/exc.ctr" "$WORK/exc"
	expect_eq "$mode-exclude-overloads" "call main
call skip_too
call ns::leaf(int)
return ns::leaf(int)
call ns::leaf(int)
return ns::leaf(int)
return skip_too
call ns::leaf(int)
return ns::leaf(int)
return main" "$(thread_events "$WORK/exc.ctr" exc)"
	# counting and exclusion together
	build $mode "$WORK/exc" "$PROGS/c_exclude.cpp" --count --exclude-file "$WORK/ex1.txt" &&
		CTRAIL_OUTPUT="$WORK/exc-count.ctr" "$WORK/exc"
	expect_eq "$mode-exclude-count" "3 ns::leaf(int) exc
1 keep(int) exc
1 main exc
1 ns::skip(double) exc" "$(rows "$WORK/exc-count.ctr")"
done

# Separate compile (-c, with a dependency file) and link steps.
for m in fentry after-inlining; do
	[ $m = fentry ] && cxx=g++ || cxx=clang++
	(cd "$WORK" && CTRAIL_CXX=$cxx "$BIN/ctrail-c++" --ctrail-mode=$m -O1 -MD \
		--exclude-file "$WORK/ex1.txt" -c "$PROGS/c_exclude.cpp" -o sep.o &&
		CTRAIL_CXX=$cxx "$BIN/ctrail-c++" --ctrail-mode=$m sep.o -o sep) &&
		trace "$WORK/sep.ctr" "$WORK/sep"
	expect_eq "exclude-separate-$m" "keep(int) ns::leaf(int) ns::skip(double)" \
		"$(thread_events "$WORK/sep.ctr" sep | awk '$1 == "call" && $2 != "main" { print $2 }' |
			sort -u | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "exclude-depfile-$m" "sep.o:" "$(head -1 "$WORK/sep.d" | cut -d' ' -f1)"
done

# The rest does not depend on the mode: the default one.
build gcc-fentry "$WORK/c_threads" "$PROGS/c_threads.c" --count -L"$WORK" -lc_lib \
	-Wl,-rpath,"$WORK" -o "$WORK/c_threads"
"$BIN/ctrail" record -o "$WORK/rec.ctr" -- "$WORK/c_threads" "$WORK/c_plugin.so" 2> /dev/null
expect_eq "count-record" "$THREADS_ROWS" "$(rows "$WORK/rec.ctr")"
expect_eq "count-top" "       calls  function  module       location
     4000000  hot       c_threads    $PROGS/c_threads.c:14
        1000  lib_hot   libc_lib.so  $PROGS/c_lib.c:2
4001506 calls to 6 functions" "$("$BIN/ctrail" count --top 2 "$WORK/rec.ctr")"
expect_eq "count-names" "hot
lib_hot
plugin_leaf" "$("$BIN/ctrail" count --names -n 3 "$WORK/rec.ctr")"
expect_eq "count-reason-exit" "exit" \
	"$("$BIN/ctrail" dump "$WORK/rec.ctr" | sed -n 's/^snapshot 0 reason=\([a-z]*\).*/\1/p')"

build gcc-fentry "$WORK/trap" "$PROGS/c_trap.c" --count &&
	CTRAIL_OUTPUT="$WORK/trap-%n.ctr" "$WORK/trap" "$WORK/trap-0.ctr"
expect_eq "count-sigtrap" "100 hot trap" "$(rows "$WORK/trap-0.ctr" | grep hot)"
expect_eq "count-sigtrap-reason" "signal" \
	"$("$BIN/ctrail" dump "$WORK/trap-0.ctr" | sed -n 's/^snapshot 0 reason=\([a-z]*\).*/\1/p')"
expect_eq "count-sigtrap-exit" "150 hot trap" "$(rows "$WORK/trap-1.ctr" | grep hot)"

build gcc-fentry "$WORK/fork" "$PROGS/c_fork.c" --count &&
	CTRAIL_OUTPUT="$WORK/fork-%p.ctr" "$WORK/fork"
expect_eq "count-fork" "16 hot fork" "$(rows "$WORK"/fork-*.ctr | grep hot)"
expect_eq "count-fork-child" "5 hot fork" "$(for f in "$WORK"/fork-*.ctr; do
	rows "$f" | grep hot; done | sort -n | head -1)"

# errors
expect_fail "count-needs-merge" "$BIN/ctrail" count "$WORK/a.ctr" "$WORK/b.ctr"
build gcc-fentry "$WORK/traced" "$PROGS/c_fork.c" && trace "$WORK/traced.ctr" "$WORK/traced"
expect_eq "count-not-counts" "ctrail: $WORK/traced.ctr: no call counts in this file (it comes from a program built without ctrail-cc --count)" \
	"$("$BIN/ctrail" count "$WORK/traced.ctr" 2>&1)"
# a COUNTS chunk whose record count runs past it
python3 - "$WORK/rec.ctr" "$WORK/damaged.ctr" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
o = 16
while struct.unpack_from('<I', d, o)[0] != 7:
    o += 16 + (struct.unpack_from('<Q', d, o + 8)[0] + 7) // 8 * 8
struct.pack_into('<Q', d, o + 16, 1 << 40)
open(sys.argv[2], 'wb').write(d)
PY
expect_eq "count-damaged" "COUNTS chunk claims 1099511627776 records but holds room for 6" \
	"$("$BIN/ctrail" count "$WORK/damaged.ctr" 2>&1 | sed 's/.*offset [0-9]*: //')"
printf 'calls,function,module,location\n12,f,m,\nx,g,m,\n' > "$WORK/bad.csv"
expect_eq "count-bad-csv" "ctrail: $WORK/bad.csv: line 3: bad call count 'x'" \
	"$("$BIN/ctrail" count "$WORK/bad.csv" 2>&1)"
expect_eq "exclude-missing-list" "ctrail-cc: cannot read the exclusion list '$WORK/nope'" \
	"$("$BIN/ctrail-cc" --exclude-file "$WORK/nope" -c "$PROGS/c_fork.c" -o "$WORK/x.o" 2>&1)"

# dump shows the raw count records: the same calls, by function
expect_eq count-dump "$THREADS_ROWS" "$("$BIN/ctrail" dump "$WORK/a.ctr" |
	awk '/^counts/ { on = 1; next } on && /^  0x/ { print $2, $3 }' |
	sort -k1,1nr -k2 | while read -r calls name; do
		printf '%s %s %s\n' "$calls" "$name" "$(printf '%s\n' "$THREADS_ROWS" |
			awk -v n="$name" '$2 == n { print $3 }')"
	done)"
