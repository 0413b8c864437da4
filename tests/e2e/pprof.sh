# pprof output (convert -o profile.pb.gz) read by the real reader, `go tool
# pprof`, in every mode: -raw, -traces and -top (self and calls) agree
# exactly with `ctrail report` and the folded stacks of the same trace
# (pprof_check.py), for C with threads and recursion and for C++ with
# exceptions; the mapping carries the binary's build id and the locations
# their file:line.  Skipped when go is not installed.
. "$(dirname "$0")/../lib.sh"
C=$BIN/ctrail
if ! command -v go >/dev/null 2>&1; then
	pass "pprof (skipped: go not found; Debian's golang-go has go tool pprof)"
	exit 0
fi
export HOME=$WORK # go tool pprof keeps its settings there

for mode in $MODES; do
	for prog in s_sleep.c d_exception.cpp; do
		name=$mode-${prog%.*}
		build $mode "$WORK/$name" "$PROGS/$prog" -lpthread &&
			trace "$WORK/$name.ctr" "$WORK/$name" &&
			"$C" convert "$WORK/$name.ctr" -o "$WORK/$name.pb.gz" &&
			"$C" report --csv "$WORK/$name.ctr" >"$WORK/$name.csv" &&
			"$C" convert "$WORK/$name.ctr" -f folded -o "$WORK/$name.folded" ||
			{ fail "$name-pprof" "build, trace or convert failed"; continue; }
		expect_eq "$name-pprof" ok \
			"$(python3 "$CTRAIL_ROOT/tests/e2e/pprof_check.py" "$WORK/$name.pb.gz" \
				"$WORK/$name.csv" "$WORK/$name.folded" 2>&1)"
	done
	id=$(readelf -n "$WORK/$mode-s_sleep" | awk '/Build ID/ { print $3 }')
	expect_eq "$mode-pprof-build-id" "$WORK/$mode-s_sleep $id" \
		"$(go tool pprof -raw "$WORK/$mode-s_sleep.pb.gz" 2>/dev/null |
			awk '/^Mappings/ { on = 1; next } on && $3 ~ /s_sleep$/ { print $3, $4 }')"
	expect_eq "$mode-pprof-lines" "main s_sleep.c" \
		"$(go tool pprof -raw "$WORK/$mode-s_sleep.pb.gz" 2>/dev/null |
			awk '$4 == "main" { n = split($5, p, "/"); sub(/:.*/, "", p[n]); print $4, p[n] }')"
done
expect_eq pprof-gzip-magic "1f8b" "$(od -An -N2 -tx1 "$WORK/gcc-fentry-s_sleep.pb.gz" | tr -d ' ')"
expect_fail pprof-bad-output "$C" convert "$WORK/gcc-fentry-s_sleep.ctr" -o "$WORK/no/such/dir/p.pb.gz"
