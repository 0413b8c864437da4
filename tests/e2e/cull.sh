#!/bin/sh
# cull.sh - build-time culling.  `ctrail cull` turns a counting run of a
# program with known counts (u_counts.cpp: 1,000,000 / 100,000 / 10,000 /
# 1,000 / 100 / 1 calls) into the exact exclusion list for a budget, and a
# rebuild with that list counts exactly the functions left, in every mode;
# its summary, output file, default run time and errors.  `ctrail-cc
# --min-insns` leaves out the small functions of u_sizes.c in every mode,
# and ctrail-asm-filter counts instructions as documented on hand-written
# assembly (hooks and their set-up not counted, loops kept, .cold parts
# counted with their function).
. "$(dirname "$0")/../lib.sh"

# rows FILE.ctr : "calls function" of each counted function.
rows() {
	"$BIN/ctrail" count --csv "$1" | awk -F, 'NR > 1 { print $1, $2 }'
}

# cull ARGS... : runs ctrail cull with the summary (stderr) in $WORK/summary;
# the list without its "# ctrail-mode" line (checked on its own below).
cull() {
	"$BIN/ctrail" cull "$@" 2> "$WORK/summary" | grep -v '^# ctrail-mode: '
}

for mode in $MODES; do
	build $mode "$WORK/counts" "$PROGS/u_counts.cpp" --count &&
		CTRAIL_OUTPUT="$WORK/$mode.ctr" "$WORK/counts" ||
		{ fail "$mode-cull-count" "build or run failed"; continue; }
	# 1,111,101 calls x 10 ns = 11.1 ms; 0.01% of 1 s = 100 us = 10,000 calls
	case $mode in *-finstr) m=finstr ;; *-after) m=after-inlining ;; *) m=fentry ;; esac
	expect_eq "$mode-cull-mode" "# ctrail-mode: $m (counted so; ctrail-cc refuses the list in another mode)" \
		"$("$BIN/ctrail" cull --budget 1% "$WORK/$mode.ctr" 2> /dev/null | head -1)"
	expect_eq "$mode-cull-list" "ns::hot(int)
warm(int)
mild" "$(cull --cost-ns 10 --runtime 1s --budget 0.01% "$WORK/$mode.ctr")"
	cull --cost-ns 10 --runtime 1s --budget 0.01% "$WORK/$mode.ctr" > "$WORK/cull.txt"
	build $mode "$WORK/culled" "$PROGS/u_counts.cpp" --count --exclude-file "$WORK/cull.txt" &&
		CTRAIL_OUTPUT="$WORK/culled.ctr" "$WORK/culled" ||
		{ fail "$mode-cull-rebuild" "build or run failed"; continue; }
	expect_eq "$mode-cull-rebuilt" "1000 ns::cool(double)
100 ns::cool(int)
1 main" "$(rows "$WORK/culled.ctr")"

	# --min-insns 20: tiny() goes; looper() (a loop), big() and main stay
	build $mode "$WORK/sizes" "$PROGS/u_sizes.c" --min-insns 20 &&
		trace "$WORK/sizes.ctr" "$WORK/sizes" ||
		{ fail "$mode-min-insns" "build or run failed"; continue; }
	expect_eq "$mode-min-insns" "call main
call looper
return looper
call big
return big
return main" "$(thread_events "$WORK/sizes.ctr" sizes)"
done

# The list is for the mode it was counted in: inlining differs between
# modes (the gcc default fentry never counts what finstr instruments).
expect_eq cull-mode-in-counts "mode=fentry" \
	"$("$BIN/ctrail" dump "$WORK/gcc-fentry.ctr" | awk '/^module .*flags=main/ { print $(NF - 1) }')"
"$BIN/ctrail" cull --cost-ns 10 --runtime 1s --budget 0.01% "$WORK/gcc-fentry.ctr" \
	> "$WORK/fentry-list.txt" 2> /dev/null
expect_err cull-other-mode-refused "counts of a fentry build, and this is a finstr build" \
	build gcc-finstr "$WORK/culled" "$PROGS/u_counts.cpp" --exclude-file "$WORK/fentry-list.txt"
expect_ok cull-same-mode build gcc-fentry "$WORK/culled" "$PROGS/u_counts.cpp" \
	--exclude-file "$WORK/fentry-list.txt"
# counts that carry their mode: no warning about it
"$BIN/ctrail" cull --cost-ns 10 --runtime 1s --budget 0.01% "$WORK/gcc-fentry.ctr" 2>&1 > /dev/null |
	grep -q "does not say" && fail cull-mode-warning "warned for counts with a mode" || pass cull-mode-warning

# Both rules at once, and the threshold from the environment.
echo big > "$WORK/big.txt"
CTRAIL_MIN_INSNS=20 build gcc-fentry "$WORK/sizes" "$PROGS/u_sizes.c" \
	--exclude-file "$WORK/big.txt" && trace "$WORK/sizes.ctr" "$WORK/sizes"
expect_eq "min-insns-and-exclude" "call main
call looper
return looper
return main" "$(thread_events "$WORK/sizes.ctr" sizes)"
expect_err "min-insns-not-a-number" "needs a number of instructions" \
	"$BIN/ctrail-cc" --min-insns=ten -c "$PROGS/u_sizes.c" -o "$WORK/x.o"

C=$WORK/gcc-fentry.ctr
expect_eq "cull-one" "ns::hot(int)" "$(cull --cost-ns 10 --runtime 1s --budget 0.5% "$C")"
expect_eq "cull-summary" "ctrail cull: excluded 1 of 6 functions; still traced: 111101 of 1111101 calls (10.00%)
ctrail cull: estimated overhead 1.11% before, 0.11% after, budget 0.5% (10 ns per call, run time 1.000s from --runtime)" \
	"$(cat "$WORK/summary")"
expect_eq "cull-within-budget" "" "$(cull --cost-ns 10 --runtime 1s --budget 2 "$C")"
expect_eq "cull-within-budget-summary" "ctrail cull: excluded 0 of 6 functions; still traced: 1111101 of 1111101 calls (100.00%)" \
	"$(head -1 "$WORK/summary")"
expect_eq "cull-everything" "ns::hot(int) warm(int) mild ns::cool(double) ns::cool(int) main" \
	"$(cull --budget 0 --runtime 1s "$C" | tr '\n' ' ' | sed 's/ $//')"
# --keep passes a function over, even when the budget cannot be met then
expect_eq "cull-keep" "ns::hot(int) warm(int) ns::cool(double) ns::cool(int) main" \
	"$(cull --cost-ns 10 --runtime 1s --budget 0.01% --keep mild "$C" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "cull-keep-overloads" "ns::hot(int) warm(int) mild main" \
	"$(cull --budget 0 --runtime 1s -k ns::cool "$C" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "cull-keep-over-budget" "ctrail cull: excluded 5 of 6 functions; still traced: 1000000 of 1111101 calls (90.00%)
ctrail cull: estimated overhead 1.11% before, 1.00% after, budget 0.5% (10 ns per call, run time 1.000s from --runtime)
ctrail cull: over budget: the calls left are to --keep functions and 0 calls at addresses without a symbol" \
	"$(cull --cost-ns 10 --runtime 1s --budget 0.5% --keep 'ns::hot(int)' "$C" > /dev/null; cat "$WORK/summary")"
cull --cost-ns 10 --runtime 1s --budget 0.01% -o "$WORK/list.txt" "$C"
sed -i '/^# ctrail-mode: /d' "$WORK/list.txt"
expect_eq "cull-output-file" "ns::hot(int)
warm(int)
mild" "$(cat "$WORK/list.txt")"
expect_eq "cull-output-no-tmp" "" "$(ls "$WORK" | grep 'list.txt.tmp')"
# the default: the counting run's wall time, less its counting cost
cull "$C" > /dev/null
expect_eq "cull-default-runtime" "17 ns per call, run time from the counting run" \
	"$(sed -n 's/.*budget 5% (\(17 ns per call, run time\) [0-9.]*m\{0,1\}s \(from the counting run\)'"'"'s [0-9.]*m\{0,1\}s less 5 ns per counted call)$/\1 \2/p' "$WORK/summary")"

# Errors: no counts, bad options, missing file, partial output.
build gcc-fentry "$WORK/traced" "$PROGS/u_sizes.c" && trace "$WORK/traced.ctr" "$WORK/traced"
out=$("$BIN/ctrail" cull "$WORK/traced.ctr" 2>&1 > /dev/null)
expect_eq "cull-no-counts" "1 ctrail: $WORK/traced.ctr: no call counts in this file (it comes from a program built without ctrail-cc --count)" \
	"$? $out"
for args in "budget --budget five $C" "cost --cost-ns 0 $C" "runtime --runtime 3 $C" \
	"two-files $C $C" "no-file "; do
	"$BIN/ctrail" cull ${args#* } > /dev/null 2>&1
	expect_eq "cull-usage-${args%% *}" 2 $?
done
"$BIN/ctrail" cull "$WORK/none.ctr" > /dev/null 2>&1
expect_eq "cull-missing-file" 1 $?
"$BIN/ctrail" cull -o "$WORK/no/dir/list.txt" "$C" > /dev/null 2>&1
expect_eq "cull-unwritable" "1" "$?$(ls "$WORK/no" 2> /dev/null)"

# The filter's instruction count, on assembly as gcc writes it: two() has
# 2 instructions, spin() 3 and a loop, cyg() 3 once its hook calls and
# their set-up are left out, split() 3 and 1 more in split.cold.
cat > "$WORK/sizes.s" << 'EOF'
	.text
	.globl	two
	.type	two, @function
two:
1:	call	__fentry__
	leal	1(%rdi), %eax
	call	__return__
	ret
	.size	two, .-two
	.globl	spin
	.type	spin, @function
spin:
1:	call	__fentry__
.L2:
	subl	$1, %edi
	jne	.L2
	call	__return__
	ret
	.size	spin, .-spin
	.globl	cyg
	.type	cyg, @function
cyg:
	pushq	%rbx
	movq	8(%rsp), %rsi
	leaq	cyg(%rip), %rdi
	call	__cyg_profile_func_enter@PLT
	movq	8(%rsp), %rsi
	leaq	cyg(%rip), %rdi
	call	__cyg_profile_func_exit@PLT
	popq	%rbx
	ret
	.size	cyg, .-cyg
	.globl	split
	.type	split, @function
split:
1:	call	__fentry__
	testl	%edi, %edi
	jne	split.cold
	call	__return__
	ret
	.section	.text.unlikely
	.type	split.cold, @function
split.cold:
	call	abort
	.text
	.size	split, .-split
EOF
# hooks_left N : the functions whose hooks stay with --min-insns N.
hooks_left() {
	"$BIN/ctrail-asm-filter" --min-insns "$1" "$WORK/sizes.s" | awk '
		/^[a-z.]+:/ { f = $1 } /__fentry__|__cyg_profile_func_enter/ { print f }' |
		tr '\n' ' ' | sed 's/ $//'
}
expect_eq "filter-min-insns-2" "two: spin: cyg: split:" "$(hooks_left 2)"
expect_eq "filter-min-insns-3" "spin: cyg: split:" "$(hooks_left 3)"
expect_eq "filter-min-insns-4" "spin: split:" "$(hooks_left 4)"
expect_eq "filter-min-insns-5" "spin:" "$(hooks_left 5)"
