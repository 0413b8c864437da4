#!/bin/sh
# ingest.sh - what a snapshot costs on its way to ClickHouse, for the
# sizing in docs/fleet.md ("On paper: 10,000 hosts"): a local
# clickhouse-server (tools/clickhouse-local.sh), two kinds of snapshot
# made here by a traced program, and for each: the .ctr size, its pack's
# size, the rows it makes, ingest time (decode + rows + HTTP + the server's
# insert) as snapshots/s and rows/s, and what the rows take on disk after a
# merge.  Figures only, nothing asserted; taken on whatever else the machine
# is doing (read them as orders of magnitude and ratios).
#
#   small:  a request-sized snapshot (s_sleep.c: ~1000 calls, 7 functions),
#           N distinct ones (one run each), ingested in one command
#   large:  one snapshot of ~200,000 calls, with --calls
#
# usage: bench/ingest.sh [N] (default 40); skipped without clickhouse-server.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CTRAIL_BUILD:=$ROOT/build}"
BIN=$CTRAIL_BUILD/bin
N=${1:-40}
W=$(mktemp -d /tmp/ctrail-bench-ingest.XXXXXX)
. "$ROOT/tools/clickhouse-local.sh"
trap 'clickhouse_stop; rm -rf "$W"' EXIT
if ! clickhouse_start "$W/ch"; then
	echo "ingest: skipped: $CH_WHY"
	exit 0
fi

now() { date +%s%N; }
CC="$BIN/ctrail-cc -O1 -g"
$CC -o "$W/small" "$ROOT/tests/progs/s_sleep.c" -lpthread || exit 1
cat >"$W/large.c" <<'C'
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE void leaf(int i) { sink += i; }
NOINLINE void mid(int i) { leaf(i); leaf(i + 1); }
NOINLINE void outer(int i) { mid(i); sink ^= i; }
int main(void) { for (int i = 0; i < 50000; i++) outer(i); return 0; }
C
$CC -o "$W/large" "$W/large.c" || exit 1
for i in $(seq "$N"); do
	CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT=$W/small-$i.ctr "$W/small" || exit 1
done
CTRAIL_WRITE_AT_EXIT=1 CTRAIL_RING_SIZE=16M CTRAIL_OUTPUT=$W/large.ctr "$W/large" || exit 1
"$BIN/ctrail" pack "$W/small-1.ctr" -o "$W/small.ctrpack" >/dev/null
"$BIN/ctrail" pack "$W/large.ctr" -o "$W/large.ctrpack" >/dev/null

# disk TABLE : bytes on disk and rows of the table's active parts.
disk() {
	clickhouse_sql "SELECT sum(bytes_on_disk), sum(rows) FROM system.parts
		WHERE active AND database = '$1' AND table = '$2' FORMAT TabSeparated" 2>/dev/null ||
	clickhouse_sql "SELECT sum(bytes), sum(rows) FROM system.parts
		WHERE active AND database = '$1' AND table = '$2' FORMAT TabSeparated"
}

# run NAME DB FILES... [--calls]: one ingest command, timed; figures.
run() {
	name=$1 db=$2
	shift 2
	clickhouse_sql "CREATE DATABASE $db" >/dev/null
	t0=$(now)
	"$BIN/ctrail" ingest --clickhouse "${CH_URL}?database=$db" --host bench "$@" >/dev/null || exit 1
	t1=$(now)
	for t in ctrail_snapshots ctrail_functions ctrail_calls; do
		clickhouse_sql "OPTIMIZE TABLE $db.$t FINAL" >/dev/null 2>&1
	done
	snaps=$(clickhouse_sql "SELECT count() FROM $db.ctrail_snapshots")
	funcs=$(clickhouse_sql "SELECT count() FROM $db.ctrail_functions")
	calls=$(clickhouse_sql "SELECT count() FROM $db.ctrail_calls")
	ms=$(( (t1 - t0) / 1000000 ))
	[ "$ms" -gt 0 ] || ms=1
	rows=$((snaps + funcs + calls))
	printf '%-6s %4d snapshots in %5d ms: %7.1f snapshots/s, %9.0f rows/s (%d function rows, %d call rows)\n' \
		"$name" "$snaps" "$ms" "$(echo "$snaps * 1000 / $ms" | bc -l)" \
		"$(echo "$rows * 1000 / $ms" | bc -l)" "$funcs" "$calls"
	for t in ctrail_snapshots ctrail_functions ctrail_calls; do
		set -- $(disk "$db" "$t")
		[ "${2:-0}" -gt 0 ] && printf '       %-17s %9d rows %10d bytes on disk, %6.1f bytes/row\n' \
			"$t" "$2" "$1" "$(echo "$1 / $2" | bc -l)"
	done
}

size() { stat -c %s "$1"; }
"$BIN/ctrail" convert "$W/small-1.ctr" -o "$W/small.pb.gz" >/dev/null
echo "small snapshot: $(size "$W/small-1.ctr") bytes .ctr ($(gzip -c "$W/small-1.ctr" | wc -c) gzipped), pack $(size "$W/small.ctrpack") bytes, pprof $(size "$W/small.pb.gz") bytes, $("$BIN/ctrail" report "$W/small-1.ctr" | awk '/ calls of / { print $1 }') calls"
echo "large snapshot: $(size "$W/large.ctr") bytes .ctr ($(gzip -c "$W/large.ctr" | wc -c) gzipped), pack $(size "$W/large.ctrpack") bytes, $("$BIN/ctrail" report "$W/large.ctr" | awk '/ calls of / { print $1 }') calls"
files=
for i in $(seq "$N"); do files="$files $W/small-$i.ctr"; done
run small small $files
run small+calls small_calls --calls $files
run large large --calls "$W/large.ctr"
