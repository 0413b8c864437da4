# Keeping the slowest occurrences of a flow: the right ones, ranked, each
# holding only its own window; concurrent keepers; written at exit.
. "$(dirname "$0")/../lib.sh"

build gcc-fentry "$WORK/flows" "$PROGS/r_flows.c" || fail build "r_flows did not build"
CTRAIL_OUTPUT=$WORK/flows.ctr "$WORK/flows" && pass flows-run || fail flows-run "exit $?"
dump=$("$BIN/ctrail" dump "$WORK/flows.ctr")

# "name rank" of each snapshot, in file order
expect_eq flows-kept 'request 1
request 2
request 3
shared 1
shared 2
shared 3
shared 4' "$(printf '%s\n' "$dump" | awk '/^snapshot/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	gsub("\"", "", f["name"]); print f["name"], f["rank"] }' | sort)"
expect_eq flows-reason 7 "$(printf '%s\n' "$dump" | grep -c '^snapshot .*reason=flow')"

# Each "request" snapshot holds one handle() call: the 40, 30 and 20 ms
# ones (in tens of ms, so a loaded machine's late wake-ups do not matter).
hz=$(printf '%s\n' "$dump" | awk '/^clock/ { sub("hz=", "", $2); print $2; exit }')
expect_eq flows-slowest "4
3
2" "$(printf '%s\n' "$dump" | awk -v hz="$hz" '
	/^snapshot/ { keep = /name="request"/; next }
	keep && $2 == "call" && $4 == "handle" { start = $1 }
	keep && $2 == "return" && $4 == "handle" { printf "%d\n", ($1 - start) * 100 / hz }')"
expect_eq flows-own-window "call handle
call work
return work
return handle" "$(printf '%s\n' "$dump" | awk '
	/^snapshot/ { keep = /name="request"/ && / rank=1 / }
	keep && /^  / { print $2, $4 }')"
# the shared flow keeps every thread: both workers appear in its snapshots
expect_eq flows-all-threads 1 "$(printf '%s\n' "$dump" | awk '
	/^snapshot/ { s = /name="shared"/ } s && /^thread/ { n[$2]++ }
	END { print (length(n) >= 2) }')"

# convert: one timeline per kept occurrence, or all in one with --merge
"$BIN/ctrail" convert "$WORK/flows.ctr" -o "$WORK/flows.json" &&
	expect_eq flows-convert-files 7 "$(ls "$WORK" | grep -c '^flows\.[0-6]\.json$')" ||
	fail flows-convert-files "convert failed"
"$BIN/ctrail" convert --merge "$WORK/flows.ctr" -o "$WORK/merged.json" ||
	fail flows-merge "convert --merge failed"
expect_eq flows-merge-processes "flows: request #1
flows: request #2
flows: request #3
flows: shared #1
flows: shared #2
flows: shared #3
flows: shared #4" "$(python3 -c '
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
names = [e["args"]["name"] for e in evs if e["ph"] == "M" and e["name"] == "process_name"]
pids = {e["pid"] for e in evs if e["ph"] == "M" and e["name"] == "process_name"}
assert len(pids) == len(names)
print("\n".join(sorted(n.split(" (")[0] for n in names)))' "$WORK/merged.json")"
expect_eq flows-merge-valid ok "$(python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" check "$WORK/merged.json" 2>&1)"
expect_fail flows-merge-binary "$BIN/ctrail" convert --merge "$WORK/flows.ctr" -o "$WORK/m.fxt"
