# ctrail ingest into a real ClickHouse (Debian's clickhouse-server, 18.16)
# started here on 127.0.0.1 with random ports and its own data directory:
# the tables are made, rows match `ctrail report` exactly, the example
# queries of docs/fleet.md (read from the doc itself) give the answers the
# reports give, re-ingesting adds nothing, and a bad URL, a server that is
# down and a rejected insert each give one error, exit 1 and no snapshot
# row.  Skipped when clickhouse-server is not installed or does not start.
. "$(dirname "$0")/../lib.sh"
C=$BIN/ctrail
DOC=$CTRAIL_ROOT/docs/fleet.md

. "$CTRAIL_ROOT/tools/clickhouse-local.sh"
if ! clickhouse_start "$WORK/ch"; then
	pass "clickhouse (skipped: $CH_WHY)"
	exit 0
fi
trap 'clickhouse_stop; rm -rf "$WORK"' EXIT
URL=$CH_URL
sql() { CH_URL=$URL clickhouse_sql "$1"; }

# query NAME : the SQL of the docs/fleet.md block after "<!-- query NAME -->".
query() {
	awk -v n="<!-- query $1 -->" '$0 == n { on = 1; next }
		on && /^```sql/ { inside = 1; next }
		inside && /^```/ { exit }
		inside { print }' "$DOC"
}

# Traces: the flows program run twice (hosts a and b), s_sleep built in two
# modes under one name (two build ids, host a), d_status with and without
# its argument (hosts a and b).
mkdir -p "$WORK/fentry" "$WORK/after"
build gcc-fentry "$WORK/flows" "$PROGS/r_flows.c" -lpthread &&
	CTRAIL_OUTPUT=$WORK/flows-a.ctr "$WORK/flows" &&
	CTRAIL_OUTPUT=$WORK/flows-b.ctr "$WORK/flows" &&
	build gcc-fentry "$WORK/fentry/s_sleep" "$PROGS/s_sleep.c" -lpthread &&
	build clang-after "$WORK/after/s_sleep" "$PROGS/s_sleep.c" -lpthread &&
	trace "$WORK/sleep-fentry.ctr" "$WORK/fentry/s_sleep" &&
	trace "$WORK/sleep-after.ctr" "$WORK/after/s_sleep" &&
	build gcc-fentry "$WORK/d_status" "$PROGS/d_status.c" &&
	trace "$WORK/status-a.ctr" "$WORK/d_status" 0 &&
	trace "$WORK/status-b.ctr" "$WORK/d_status" ||
	{ fail clickhouse-traces "build or trace failed"; exit 0; }

ingest_all() {
	"$C" ingest --clickhouse "$URL" --host a "$WORK/flows-a.ctr" "$WORK/status-a.ctr" &&
		"$C" ingest --clickhouse "$URL" --host b "$WORK/flows-b.ctr" "$WORK/status-b.ctr" &&
		"$C" ingest --clickhouse "$URL" --host a --calls "$WORK/sleep-fentry.ctr" "$WORK/sleep-after.ctr"
}
expect_ok clickhouse-ingest ingest_all
nsnap=$(($("$C" dump "$WORK/flows-a.ctr" | grep -c '^snapshot ') * 2 + 4))
expect_eq clickhouse-snapshot-rows "$nsnap" "$(sql 'SELECT count() FROM ctrail_snapshots')"

# Rows of one snapshot against the report, exactly.
expect_eq clickhouse-function-rows \
	"$("$C" report --csv "$WORK/sleep-fentry.ctr" | tail -n +2 | awk -F, '{ gsub(/"/, "", $1); print $1, $2, $3, $4, $9 }' | sort)" \
	"$(sql "SELECT function, calls, total_ns, self_ns, max_ns FROM ctrail_functions FINAL
		WHERE build_id = '$(readelf -n "$WORK/fentry/s_sleep" | awk '/Build ID/ { print $3 }')'
		ORDER BY function FORMAT TabSeparated" | tr '\t' ' ' | sort)"
expect_eq clickhouse-call-rows \
	"$("$C" report "$WORK/sleep-fentry.ctr" | awk '/ calls of / { print $1 }')" \
	"$(sql "SELECT count() FROM ctrail_calls FINAL WHERE build_id = '$(readelf -n "$WORK/fentry/s_sleep" | awk '/Build ID/ { print $3 }')'")"
expect_eq clickhouse-snapshot-columns "a s_sleep exit 0" \
	"$(sql "SELECT host, program, reason, rank FROM ctrail_snapshots FINAL
		WHERE build_id = '$(readelf -n "$WORK/after/s_sleep" | awk '/Build ID/ { print $3 }')' FORMAT TabSeparated" | tr '\t' ' ')"

# On/off-CPU: NULL without scheduling events; with them (where tracefs is
# writable), the split report --cpu makes.
expect_eq clickhouse-no-sched-null "0" \
	"$(sql "SELECT countIf(on_cpu_ns IS NOT NULL OR runnable_ns IS NOT NULL OR blocked_ns IS NOT NULL) FROM ctrail_functions")"
build gcc-fentry "$WORK/f_split" "$PROGS/f_split.c" -pthread &&
	CTRAIL_FTRACE=1 trace "$WORK/split.ctr" "$WORK/f_split" 2>/dev/null
if "$C" info "$WORK/split.ctr" 2>/dev/null | grep -q '^  sched '; then
	"$C" ingest --clickhouse "$URL" --host a "$WORK/split.ctr" >/dev/null
	expect_eq clickhouse-cpu-split \
		"$("$C" report --cpu --csv "$WORK/split.ctr" | tail -n +2 | awk -F, '{ gsub(/"/, "", $1); print $1, $10, $11, $12 }' | sort)" \
		"$(sql "SELECT function, on_cpu_ns, runnable_ns, blocked_ns FROM ctrail_functions FINAL
			WHERE program = 'f_split' ORDER BY function FORMAT TabSeparated" | tr '\t' ' ' | sort)"
else
	pass "clickhouse-cpu-split (skipped: no scheduling events here)"
fi

# slowest-1%: the slowest request of both runs; its report.
slowest=$(for f in flows-a flows-b; do
	"$C" dump "$WORK/$f.ctr" | awk -v f=$f '/^snapshot / && /name="request"/ && / rank=1 / {
		d = $0; sub(/.*duration_tsc=/, "", d); print d, f, $2 }'
done | sort -n | tail -n 1)
expect_eq clickhouse-query-slowest-1-percent \
	"$("$C" report --csv --snapshot "$(echo "$slowest" | cut -d' ' -f3)" "$WORK/$(echo "$slowest" | cut -d' ' -f2).ctr" |
		tail -n +2 | awk -F, '{ gsub(/"/, "", $1); print $1, $4, $3 }' | sort -k2,2nr -k1,1)" \
	"$(sql "$(query slowest-1-percent)" | tr '\t' ' ')"

# p99-by-build-id: each build's report, p99 of tick.
want=$(for m in fentry after; do
	echo "$(readelf -n "$WORK/$m/s_sleep" | awk '/Build ID/ { print $3 }') $("$C" report --csv "$WORK/sleep-$m.ctr" |
		awk -F, '$1 == "\"tick\"" { print $2, $8 }')"
done | sort)
expect_eq clickhouse-query-p99-by-build-id "$want" "$(sql "$(query p99-by-build-id)" | tr '\t' ' ')"

# hosts-reaching-alone: status() runs only where it got an argument.
expect_eq clickhouse-query-reached-by-some-hosts "status ['a']" \
	"$(sql "$(query reached-by-some-hosts)" | tr '\t' ' ')"

# Re-ingesting adds nothing.
before=$(sql 'SELECT count() FROM ctrail_snapshots'; sql 'SELECT count() FROM ctrail_functions'; sql 'SELECT count() FROM ctrail_calls')
out=$(ingest_all)
expect_eq clickhouse-reingest-rows "$before" \
	"$(sql 'SELECT count() FROM ctrail_snapshots'; sql 'SELECT count() FROM ctrail_functions'; sql 'SELECT count() FROM ctrail_calls')"
case $out in *"already ingested"*"0 snapshots ingested, 2 already there"*) pass clickhouse-reingest-said ;;
*) fail clickhouse-reingest-said "$out" ;; esac

# The same traces over two shards (Distributed tables as docs/fleet.md
# makes them, over the databases shard1 and shard2 of this server): rows
# spread over both, the three queries answer as the plain tables do.
ddl=$(awk '$0 ~ /<!-- ddl distributed -->/ { on = 1; next }
	on && /```sql/ { inside = 1; next } inside && /```/ { exit } inside { print }' "$DOC")
for db in shard1 shard2 fleet; do sql "CREATE DATABASE $db" >/dev/null; done
for t in ctrail_snapshots ctrail_functions ctrail_calls; do
	sql "CREATE TABLE shard1.$t AS default.$t" >/dev/null
	sql "CREATE TABLE shard2.$t AS default.$t" >/dev/null
done
printf '%s\n' "$ddl" | sed 's/shard\.ctrail/shard1.ctrail/' | tr '\n' ' ' | tr ';' '\n' |
	while read -r stmt; do [ -z "$stmt" ] || sql "$stmt" >/dev/null; done
dist_ingest() {
	url="${URL}?database=fleet&insert_distributed_sync=1"
	"$C" ingest --clickhouse "$url" --host a "$WORK/flows-a.ctr" "$WORK/status-a.ctr" &&
		"$C" ingest --clickhouse "$url" --host b "$WORK/flows-b.ctr" "$WORK/status-b.ctr" &&
		"$C" ingest --clickhouse "$url" --host a --calls "$WORK/sleep-fentry.ctr" "$WORK/sleep-after.ctr"
}
expect_ok clickhouse-distributed-ingest dist_ingest
expect_eq clickhouse-distributed-both-shards 1 \
	"$(sql 'SELECT (SELECT count() FROM shard1.ctrail_functions) > 0 AND (SELECT count() FROM shard2.ctrail_functions) > 0')"
for q in slowest-1-percent p99-by-build-id reached-by-some-hosts; do
	want=$(sql "$(query $q)")
	URL="${CH_URL}?database=fleet"
	expect_eq "clickhouse-distributed-$q" "$want" "$(sql "$(query $q)")"
	URL=$CH_URL
done
before=$(sql 'SELECT count() FROM fleet.ctrail_functions')
out=$(dist_ingest)
expect_eq clickhouse-distributed-reingest "$before" "$(sql 'SELECT count() FROM fleet.ctrail_functions')"

# Errors: one message, exit 1, nothing claimed.
# expect_exit1 NAME PATTERN CMD... : exit 1 with PATTERN, claiming nothing.
expect_exit1() {
	n1=$1 pat1=$2
	shift 2
	case $("$@" 2>&1) in
	*"snapshots ingested"*) fail "$n1" "claims success" ;;
	*) expect_status "$n1" 1 "$pat1" "$@" ;;
	esac
}
expect_exit1 clickhouse-bad-url "not an http:// or https:// URL" \
	"$C" ingest --clickhouse "ftp://127.0.0.1:$port/" "$WORK/status-a.ctr"
expect_exit1 clickhouse-server-down "Couldn't connect" \
	"$C" ingest --clickhouse "http://127.0.0.1:$((port + 2))/" "$WORK/status-a.ctr"
sql 'CREATE DATABASE broken' >/dev/null
sql 'CREATE TABLE broken.ctrail_functions (x UInt8) ENGINE = Memory' >/dev/null
expect_exit1 clickhouse-rejected-insert "the server answered" \
	"$C" ingest --clickhouse "${URL}?database=broken" "$WORK/status-a.ctr"
expect_eq clickhouse-rejected-no-snapshot-row 0 "$(sql 'SELECT count() FROM broken.ctrail_snapshots')"
expect_err clickhouse-usage "missing --clickhouse URL" "$C" ingest "$WORK/status-a.ctr"
