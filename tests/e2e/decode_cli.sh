#!/bin/sh
# decode_cli.sh - the ctrail command's interface: help and usage errors,
# exit codes, error messages on damaged files (file and offset, nothing
# left behind), convert's options and output naming, dump's line format,
# info, and record.
. "$(dirname "$0")/../lib.sh"
CTRAIL=$BIN/ctrail
CHECK="python3 $CTRAIL_ROOT/tests/e2e/json_check.py"

# status NAME WANT CMD... : the command's exit status must be WANT.
status() {
	n=$1 want=$2; shift 2
	"$@" >"$WORK/out" 2>&1
	rc=$?
	if [ $rc = "$want" ]; then pass "$n"; else
		fail "$n" "exit status $rc, want $want: $(head -3 "$WORK/out")"; fi
}

# help and usage
status help-lists-commands 0 "$CTRAIL" help
expect_eq help-commands "record attach convert info dump count cull flame report diff scope replay core pack ingest help" \
	"$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { printf "%s%s", s, $1; s = " " }' "$WORK/out")"
for c in record attach convert info dump count cull flame report diff scope replay core pack ingest; do
	status "help-$c" 0 "$CTRAIL" $c --help
	expect_eq "help-$c-usage" "usage: ctrail $c" "$(head -1 "$WORK/out" | cut -d' ' -f1-3)"
done
status no-command 2 "$CTRAIL"
status unknown-command 2 "$CTRAIL" frobnicate
status unknown-option 2 "$CTRAIL" convert --frobnicate x.ctr
status missing-operand 2 "$CTRAIL" info
status bad-time 2 "$CTRAIL" convert --since 10 x.ctr
status bad-ring-size 2 "$CTRAIL" record --ring-size lots -- true
status attach-no-pid 2 "$CTRAIL" attach --probe f
status attach-bad-duration 2 "$CTRAIL" attach 1 --duration soon

# a real trace to work on
build gcc-finstr "$WORK/calls" "$PROGS/d_calls.c" -lpthread &&
	trace "$WORK/calls.ctr" "$WORK/calls" || fail calls-build "build or run failed"

# damaged files: one line naming file and offset, status 1, no output left
: >"$WORK/empty.ctr"
status empty-file 1 "$CTRAIL" convert "$WORK/empty.ctr" -o "$WORK/empty.json"
expect_eq empty-file-message "ctrail: $WORK/empty.ctr: offset 0: empty file" "$(cat "$WORK/out")"
size=$(wc -c <"$WORK/calls.ctr")
head -c $((size - 8)) "$WORK/calls.ctr" >"$WORK/cut.ctr"
status truncated-file 1 "$CTRAIL" convert "$WORK/cut.ctr" -o "$WORK/cut.json"
case $(cat "$WORK/out") in
"ctrail: $WORK/cut.ctr: offset "[0-9]*": "*) pass truncated-file-message ;;
*) fail truncated-file-message "$(cat "$WORK/out")" ;;
esac
expect_eq no-output-left "" "$(ls "$WORK" | grep -e '^empty\.json' -e '^cut\.json')"
status missing-file 1 "$CTRAIL" info "$WORK/nonexistent.ctr"
printf 'not a trace at all' >"$WORK/text.ctr"
status foreign-file 1 "$CTRAIL" dump "$WORK/text.ctr"
expect_eq foreign-file-message "ctrail: $WORK/text.ctr: offset 0: not a .ctr file (bad magic)" \
	"$(cat "$WORK/out")"

# stdout that cannot be written is an error, in every command
for c in info dump report replay "count --top 1" "convert -o -" "flame -o -"; do
	status "full-stdout-${c%% *}" 1 sh -c '"$0" "$@" > /dev/full' "$CTRAIL" $c \
		"$WORK/calls.ctr" --remap a=b
done
status full-stdout-help 1 sh -c "'$CTRAIL' help > /dev/full"
# a --remap without '=' is a usage error
for c in info dump report convert count cull; do
	status "remap-usage-$c" 2 "$CTRAIL" $c --remap noequals "$WORK/calls.ctr"
done
# --threads naming no thread: an error naming those there are
for c in "convert -o $WORK/t.json" report "flame -o $WORK/t.svg" replay; do
	status "threads-unknown-${c%% *}" 1 "$CTRAIL" $c --threads calls,nosuch "$WORK/calls.ctr"
done
case $(cat "$WORK/out") in
*"--threads nosuch: no such thread; it has: "*calls*d-*d-*) pass threads-unknown-message ;;
*) fail threads-unknown-message "$(cat "$WORK/out")" ;;
esac
status threads-one-known 0 "$CTRAIL" convert --threads calls "$WORK/calls.ctr" -o "$WORK/t.json"
# no leak in convert (valgrind)
if command -v valgrind > /dev/null; then
	status convert-no-leak 0 valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=9 "$CTRAIL" convert --threads calls --remap /x=/y "$WORK/calls.ctr" \
		-o "$WORK/v.json"
else
	pass "convert-no-leak (skipped: valgrind not found)"
fi

# dump's line format
"$CTRAIL" dump "$WORK/calls.ctr" >"$WORK/dump"
expect_eq dump-first-line "snapshot 0 reason=exit" "$(head -1 "$WORK/dump" | cut -d' ' -f1-3)"
expect_eq dump-line-kinds "snapshot process clock sysinfo module thread end" \
	"$(awk '/^[a-z]/ { print $1 }' "$WORK/dump" | uniq | tr '\n' ' ' | sed 's/ $//')"
expect_eq dump-last-line "end" "$(tail -1 "$WORK/dump" | cut -d' ' -f1)"
expect_eq dump-main-call "call main" \
	"$(awk '/^thread .* name=calls / { on = 1; next } on { print $2, $4; exit }' "$WORK/dump")"
expect_eq dump-thread-flags "flags=main" \
	"$(awk '/^thread .* name=calls / { print $4 }' "$WORK/dump")"

# convert's options
"$CTRAIL" convert "$WORK/calls.ctr" --threads d-one -o "$WORK/one.json"
expect_eq threads-filter "d-one" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(e["args"]["name"] for e in d["traceEvents"] if e.get("name") == "thread_name"))' "$WORK/one.json")"
"$CTRAIL" convert "$WORK/calls.ctr" --wall-clock -o "$WORK/wall.json"
# JSON: the UTC time of day (importers read ts as doubles), the day named
expect_eq wall-clock "time of day, after 2020" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ts = min(e["ts"] for e in d["traceEvents"] if e["ph"] == "X")
day = d["otherData"]["clock"].rsplit(" ", 1)[-1]
print("time of day" if 0 <= ts < 86400e6 else ts, end=", ")
print("after 2020" if day > "2020" else day)' "$WORK/wall.json")"
"$CTRAIL" convert "$WORK/calls.ctr" --since 100s -o "$WORK/late.json"
expect_eq since-past-the-end 0 "$(grep -c '"ph":"X"' "$WORK/late.json")"
"$CTRAIL" convert "$WORK/calls.ctr" --until 0ns -o "$WORK/early.json"
expect_eq until-the-start "main" "$($CHECK tree "$WORK/early.json" calls)"
"$CTRAIL" convert "$WORK/calls.ctr" >/dev/null
expect_ok default-output-name test -s "$WORK/calls.json"
expect_eq relative-times-start-at-zero "0.000" \
	"$(grep -o '"ts":[0-9.]*' "$WORK/calls.json" | cut -d: -f2 | sort -n | head -1)"

# several snapshots in one file: one output each
python3 "$CTRAIL_ROOT/tests/fuzz/make_corpus.py" "$WORK/seeds"
"$CTRAIL" convert "$WORK/seeds/threads.ctr" -o "$WORK/multi.json"
expect_eq one-file-per-snapshot "multi.0.json multi.1.json" \
	"$(cd "$WORK" && ls multi* | tr '\n' ' ' | sed 's/ $//')"

# info
"$CTRAIL" info "$WORK/calls.ctr" >"$WORK/info"
expect_eq info-threads "3" "$(grep -c '^    tid ' "$WORK/info")"
expect_eq info-no-repairs "  repairs   none" "$(grep '^  repairs' "$WORK/info")"
"$CTRAIL" info "$WORK/seeds/orphans.ctr" >"$WORK/info"
expect_eq info-repairs "  repairs   1 orphan return, 1 no return in snapshot" \
	"$(grep '^  repairs' "$WORK/info")"

# record
build gcc-finstr "$WORK/status" "$PROGS/d_status.c" || fail status-build "build failed"
(cd "$WORK" && "$CTRAIL" record -o rec.ctr -- ./status 3 >out 2>&1; echo $? >rc)
expect_eq record-exit-status 3 "$(cat "$WORK/rc")"
expect_eq record-message "ctrail: wrote rec.ctr (convert: ctrail convert rec.ctr -o rec.json)" \
	"$(cat "$WORK/out")"
expect_eq record-trace "status" "$("$CTRAIL" convert "$WORK/rec.ctr" -o "$WORK/rec.json" &&
	$CHECK tree "$WORK/rec.json" status | sed -n 2p | tr -d ' ')"
(cd "$WORK" && "$CTRAIL" record --ring-size 64K ./calls >out 2>&1; echo $? >rc)
expect_eq record-default-output "0 yes" "$(cat "$WORK/rc") $(test -s "$WORK/ctrail.ctr" && echo yes)"
status record-untraced-program 0 "$CTRAIL" record -o "$WORK/none.ctr" -- true
expect_ok record-untraced-note grep -q "was it built with ctrail-cc" "$WORK/out"
status record-killed 143 "$CTRAIL" record -o "$WORK/k.ctr" -- sh -c 'kill -TERM $$'
status record-not-found 127 "$CTRAIL" record -- "$WORK/nonexistent"
