# Kernel scheduling events (runtime/ftrace.c): a traced function that
# sleeps and one that blocks on a mutex must show their thread off the CPU
# for most of the call, with the kernel's sleep inside the call (same
# clock); the JSON output carries them as systemTraceEvents lines Perfetto's
# importer accepts, on the same time base and pids as the slices.  Without
# tracefs: one warning line and function tracing as usual.  Instances are
# removed at exit and on a fatal signal, and stale ones at the next start.
# Checks needing a writable tracefs print "SKIP name: why" where there is
# none (e.g. an unprivileged container).
. "$(dirname "$0")/../lib.sh"

ROOT=/sys/kernel/tracing
build gcc-finstr "$WORK/sleep" "$PROGS/f_sleep.c" -pthread || fail build "f_sleep did not build"
build gcc-fentry "$WORK/api" "$PROGS/f_api.c" || fail build "f_api did not build"

# No tracefs: one line on stderr, functions traced as usual.
CTRAIL_TRACEFS=/nonexistent CTRAIL_FTRACE=1 trace "$WORK/none.ctr" "$WORK/sleep" 2>"$WORK/none.err"
expect_eq fallback-warning "ctrail: no scheduling events: no tracefs at /nonexistent: No such file or directory" \
	"$(cat "$WORK/none.err")"
expect_eq fallback-functions "call main
call sleeper
call nap
return nap
return sleeper
call blocked
return blocked
return main" "$(thread_events "$WORK/none.ctr" sleep)"
expect_eq fallback-no-chunk "" "$("$BIN/ctrail" dump "$WORK/none.ctr" | grep '^sched')"
expect_eq fallback-api "ctrail_sched_start: -2" \
	"$(CTRAIL_TRACEFS=/nonexistent trace "$WORK/api-none.ctr" "$WORK/api")"

# Is there a tracefs we may use?  The API says.
if ! out=$(trace "$WORK/api.ctr" "$WORK/api" 2>&1) || [ "$out" != "ctrail_sched_start: 0" ]; then
	for t in api-start sleep-off-cpu mutex-off-cpu json-lines json-same-base \
		 removed-at-exit stale-removed live-kept signal-removed info-counts; do
		echo "SKIP $t: no usable tracefs ($out)"
	done
	exit 0
fi
expect_eq api-start "ctrail_sched_start: 0" "$out"

CTRAIL_FTRACE=1 trace "$WORK/sleep.ctr" "$WORK/sleep" 2>"$WORK/sleep.err"
expect_eq sleep-quiet "" "$(cat "$WORK/sleep.err")"
pid=$("$BIN/ctrail" dump "$WORK/sleep.ctr" | sed -n 's/^process pid=\([0-9]*\).*/\1/p')

# From `ctrail dump`: the main thread's call and return stamps of FUNC and
# the share of that call the kernel had the thread switched out in state S
# or D (from its switch-out to its wakeup or its next switch-in), printed
# as "STATE PERCENT inside|outside": the states of the intervals that
# overlap the call, inside when every one lies within it.
off_cpu() {
	"$BIN/ctrail" dump "$1" | python3 -c '
import re, sys
func, tid = sys.argv[1], sys.argv[2]
calls, sched, in_main = [], [], False
for line in sys.stdin:
    if line.startswith("thread "):
        in_main = " tid=%s " % tid in line
    elif line.startswith("sched "):
        in_main = False
    elif in_main and line.split()[3:4] == [func]:
        calls.append(int(line.split()[0]))
    m = re.match(r"  (\d+) cpu=\d+ (\S+) common_pid=-?\d+ (.*)", line)
    if m:
        sched.append((int(m.group(1)), m.group(2), dict(kv.split("=", 1) for kv in m.group(3).split() if "=" in kv)))
begin, end = calls[0], calls[1]
off, states, out_at, inside = 0, set(), None, True
for tsc, name, a in sched:
    if name == "sched_switch" and a["prev_pid"] == tid and a["prev_state"][0] in "SD":
        out_at, out_state = tsc, a["prev_state"]
    elif out_at is not None and ((name == "sched_waking" and a["pid"] == tid) or
                                 (name == "sched_switch" and a["next_pid"] == tid)):
        if out_at < end and tsc > begin:
            inside = inside and begin <= out_at and tsc <= end
            off += min(tsc, end) - max(out_at, begin)
            states.add(out_state)
        out_at = None
print("|".join(sorted(states)), 100 * off // (end - begin), "inside" if inside else "outside")
' "$2" "$pid"
}

# Sleeping 20 ms in nanosleep: asleep (S) for nearly all of it.
read -r state pct where <<EOF
$(off_cpu "$WORK/sleep.ctr" sleeper)
EOF
echo "sleeper: $state $pct% $where"
if [ "$state" = S ] && [ "$pct" -ge 90 ] && [ "$where" = inside ]; then pass sleep-off-cpu
else fail sleep-off-cpu "state $state, off the CPU for $pct% of sleeper, sleep $where the call"; fi

# Blocked on a mutex the other thread holds for 20 ms: a futex wait (S).
read -r state pct where <<EOF
$(off_cpu "$WORK/sleep.ctr" blocked)
EOF
echo "blocked: $state $pct% $where"
if [ "$state" = S ] && [ "$pct" -ge 80 ] && [ "$where" = inside ]; then pass mutex-off-cpu
else fail mutex-off-cpu "state $state, off the CPU for $pct% of blocked, wait $where the call"; fi

info=$("$BIN/ctrail" info "$WORK/sleep.ctr")
if printf '%s\n' "$info" | grep -q '^  sched     [0-9]* events, 0 lost' &&
   printf '%s\n' "$info" | grep -q '^    sched_switch  *[1-9]' &&
   printf '%s\n' "$info" | grep -q '^    task_newtask  *2$' &&
   printf '%s\n' "$info" | grep -q '^    CPUs seen  '; then pass info-counts
else fail info-counts "$info"; fi

# JSON: every systemTraceEvents line matches Perfetto's systrace line
# pattern (importers/systrace/systrace_line_tokenizer.cc), and the main
# thread's switch-out during sleeper falls inside its X event, on the same
# pid and time base.
expect_ok json-convert "$BIN/ctrail" convert "$WORK/sleep.ctr" -o "$WORK/sleep.json"
json=$(python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
pid = int(sys.argv[2])
pat = re.compile(r"-(\d+)\s+\(?\s*(\d+|-+)?\)?\s?\[(\d+)\]\s*([a-zA-Z.]{3}[0-9a-f.]{1,2}\s*)?(\d+\.\d+):\s+(\S+):")
lines = [l for l in d["systemTraceEvents"].split("\n") if l and not l.startswith("#")]
bad = [l for l in lines if not pat.search(l)]
x = [e for e in d["traceEvents"] if e.get("name") == "sleeper"][0]
outs = [float(pat.search(l).group(5)) * 1e6 for l in lines
        if "sched_switch: prev_comm=sleep prev_pid=%d " % pid in l and "prev_state=S" in l]
inside = [t for t in outs if x["ts"] <= t <= x["ts"] + x["dur"]]
print(len(lines) > 0 and not bad, x["pid"] == pid and x["tid"] == pid, len(inside))
' "$WORK/sleep.json" "$pid")
expect_eq json-lines "True True" "${json% *}"
expect_eq json-same-base 1 "${json##* }"

expect_eq removed-at-exit "" "$(ls -d "$ROOT/instances/ctrail-$pid" 2>/dev/null)"

# A stale instance (its process is gone) goes at the next start; one of a
# live process stays.
sh -c 'exit 0' & dead=$!
wait $dead
mkdir "$ROOT/instances/ctrail-$dead" "$ROOT/instances/ctrail-$$"
CTRAIL_FTRACE=1 trace "$WORK/stale.ctr" "$WORK/sleep"
expect_eq stale-removed "" "$(ls -d "$ROOT/instances/ctrail-$dead" 2>/dev/null)"
expect_eq live-kept "$ROOT/instances/ctrail-$$" "$(ls -d "$ROOT/instances/ctrail-$$" 2>/dev/null)"
rmdir "$ROOT/instances/ctrail-$$"

# SIGTERM while waiting: the fatal-signal path removes the instance.
"$WORK/api" wait >"$WORK/wait.out" &
waiter=$!
for _ in $(seq 200); do
	[ -s "$WORK/wait.out" ] && break
	sleep 0.05
done
kill -TERM $waiter
wait $waiter
status=$?
if [ $status = 143 ] && [ ! -d "$ROOT/instances/ctrail-$waiter" ]; then pass signal-removed
else fail signal-removed "status $status, $(ls -d "$ROOT/instances/ctrail-$waiter" 2>&1)"; fi
