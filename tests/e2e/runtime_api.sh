# The snapshot API and triggers: a snapshot since a time, a wrapped ring,
# pause/resume, per-thread ring size, SIGTRAP while threads run, exited
# threads beyond the limit, and a path that cannot be written.
. "$(dirname "$0")/../lib.sh"

build gcc-fentry "$WORK/api" "$PROGS/r_api.c" || fail build "r_api did not build"
api=$WORK/api

expect_ok since-run "$api" since "$WORK/since.ctr"
expect_eq since "call phase_two
call leaf
return leaf
return phase_two" "$(thread_events "$WORK/since.ctr" api)"

expect_ok wrap-run env CTRAIL_RING_SIZE=4K "$api" wrap "$WORK/wrap.ctr"
expect_eq wrap-capacity 256 "$(thread_field "$WORK/wrap.ctr" api capacity)"
expect_eq wrap-events 256 "$(thread_field "$WORK/wrap.ctr" api events)"
written=$(thread_field "$WORK/wrap.ctr" api written)
over=$(thread_field "$WORK/wrap.ctr" api overwritten)
expect_eq wrap-counts "$((written - 256))" "$over"
# main, wrap and 100000 leaf calls, all but the two returns still open
expect_eq wrap-written 200002 "$written"
expect_eq wrap-tail "call leaf
return leaf
call leaf
return leaf" "$(thread_events "$WORK/wrap.ctr" api | tail -n 4)"

expect_ok pause-run "$api" pause "$WORK/pause.ctr"
expect_eq pause "call main
call pause_resume
call phase_one
call leaf
return leaf
return phase_one
call phase_two
call leaf
return leaf
return phase_two" "$(thread_events "$WORK/pause.ctr" api)"

expect_ok ring-size-run "$api" ring-size "$WORK/ring.ctr"
expect_eq ring-size-capacity 4096 "$(thread_field "$WORK/ring.ctr" api capacity)"
expect_eq ring-size-events "call phase_two
call leaf
return leaf
return phase_two" "$(thread_events "$WORK/ring.ctr" api)"

# SIGTRAP: the program prints "ready" once its threads spin
CTRAIL_OUTPUT=$WORK/trap.ctr "$api" sigtrap "$WORK/trap.ctr" >"$WORK/trap.out" &
pid=$!
for i in $(seq 100); do grep -q ready "$WORK/trap.out" 2>/dev/null && break; sleep 0.05; done
kill -TRAP $pid
if wait $pid; then pass sigtrap-run; else fail sigtrap-run "no snapshot after SIGTRAP"; fi
expect_eq sigtrap-reason "reason=signal" "$("$BIN/ctrail" dump "$WORK/trap.ctr" | awk '/^snapshot/ { print $3 }')"
threads=$("$BIN/ctrail" dump "$WORK/trap.ctr" | awk '/^thread/ { split($6, e, "="); if (e[2] > 0) n++ } END { print n }')
expect_eq sigtrap-threads 3 "$threads"

build gcc-fentry "$WORK/threads" "$PROGS/r_threads.c"
CTRAIL_MAX_EXITED=2 trace "$WORK/max.ctr" "$WORK/threads"
expect_eq max-exited "dropped_threads=2" \
	"$("$BIN/ctrail" dump "$WORK/max.ctr" | awk '/^snapshot/ { print $7 }')"
expect_eq max-exited-kept 3 "$("$BIN/ctrail" dump "$WORK/max.ctr" | grep -c '^thread')"

out=$("$api" bad-path 2>&1)
expect_eq bad-path "No such file or directory" "$out"
CTRAIL_OUTPUT=/nonexistent-dir/x.ctr trace /nonexistent-dir/x.ctr "$api" since "$WORK/s2.ctr" 2>"$WORK/err"
expect_eq exit-write-error "ctrail: cannot write snapshot to /nonexistent-dir/x.ctr: No such file or directory" "$(cat "$WORK/err")"
expect_eq no-temp-left "" "$(ls "$WORK" | grep tmp)"

# %p in CTRAIL_OUTPUT becomes the pid
(cd "$WORK" && CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT='p-%p.ctr' "$api" since "$WORK/s3.ctr")
expect_eq output-pid 1 "$(ls "$WORK" | grep -c '^p-[0-9]*\.ctr$')"
