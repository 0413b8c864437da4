#!/bin/sh
# realworld.sh - ctrail on programs nobody here wrote: the Lua 5.4
# interpreter and SQLite's speedtest1, built from their Debian source
# packages plainly and with ctrail-cc in every mode, timed on a fixed
# workload, and their snapshots checked; and the nginx web server (master
# and one worker) under load from ab, plain, fully traced, counted and
# culled, with SIGTRAP snapshots of its worker under load ("nginx" below).
# `make realworld` runs it (it is not part of `make check`);
# docs/realworld.md explains the tables.
#
# Everything lives under build/realworld/; the sources are fetched once
# and kept between runs:
#   src/                  `apt-get source lua5.4 sqlite3 nginx` (deb-src is
#                         added for the machine's suite when missing)
#   sqlite/amalgamation/  sqlite3.c, made once from SQLite's source tree
#   PROG/VARIANT/         one build of PROG (lua or sqlite); VARIANT/stamp
#                         holds the command it was built with and the
#                         checksum of the files it names (the exclusion
#                         list); it is rebuilt when they or the wrapper
#                         change
#   PROG/counts.ctr, PROG/exclude.txt, PROG/cull.txt
#                         the counting run, `ctrail cull`'s list, its summary
#   PROG/VARIANT.ctr      the snapshot of a traced variant's last run
#   PROG/VARIANT.ms       its wall times, one run a line
#
# A variant is a name, a compiler and the ctrail-cc options ("-" builds
# without ctrail).  Timing runs every variant round-robin, so load from
# elsewhere on the machine falls on all alike: ROUNDS rounds (default 5),
# the fully traced variants only in the first FULL_ROUNDS (default 3; they
# run 5-10x longer and need less precision); the median is kept.  Each
# run writes its snapshot at exit (CTRAIL_WRITE_AT_EXIT=1, default ring);
# then each traced variant runs once more with 64 MiB rings (deep_run).
# Both snapshots are checked: `ctrail info` shows no repairs but orphan
# returns (the ring wrapped), `ctrail convert` decodes them, and the deep
# one names the interpreter loop (luaV_execute, sqlite3VdbeExec) with the
# file and line of its definition.
#
# usage: bench/realworld.sh [--smoke] [PROG...]
#   --smoke  Lua only, fentry mode, a short workload, no timing: the checks
#            alone, as "ok"/"FAIL" lines (tests/e2e/realworld.sh), and a
#            SIGTRAP in the middle of the full workload (trap_check)
#   PROG     only these of lua, sqlite, nginx (default: all three)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
RW=$ROOT/build/realworld
ROUNDS=${ROUNDS:-5}
FULL_ROUNDS=${FULL_ROUNDS:-3}
SQLITE_SIZE=${SQLITE_SIZE:-150}
BUDGET=5%
SMOKE=0
[ "${1:-}" = --smoke ] && SMOKE=1 && shift
PROGS=${*:-lua sqlite nginx}

say() { echo "realworld: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- sources ----

has_deb_src() {
	grep -Eqs '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources
}

# Adds deb-src entries for what the machine's deb entries name: Debian
# 12's deb822 debian.sources, or the one-line sources.list.
add_deb_src() {
	d=/etc/apt/sources.list.d
	if [ -f $d/debian.sources ]; then
		{ echo "# added by ctrail bench/realworld.sh: sources for apt-get source"
		  sed 's/^Types:.*/Types: deb-src/' $d/debian.sources; } > $d/ctrail-deb-src.sources
	elif grep -qs '^deb ' /etc/apt/sources.list; then
		{ echo "# added by ctrail bench/realworld.sh: sources for apt-get source"
		  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list; } > $d/ctrail-deb-src.list
	else
		die "no Debian package sources found in /etc/apt to add deb-src entries for"
	fi
	say "added deb-src entries in $d/ctrail-deb-src.*"
}

# fetch PACKAGE : unpacks its Debian source in $RW/src once; prints the tree.
fetch() {
	mkdir -p "$RW/src"
	tree=$(ls -d "$RW/src/$1"-*/ 2>/dev/null | head -1)
	if [ -n "$tree" ] && [ -e "$tree/.ctrail-fetched" ]; then
		echo "${tree%/}"
		return
	fi
	if ! apt-cache showsrc "$1" 2>/dev/null | grep -q '^Package:'; then
		[ "$(id -u)" = 0 ] || die "apt has no source packages: add a deb-src line for your suite and run apt-get update (or run this as root)"
		has_deb_src || add_deb_src
		say "apt-get update (source indexes)"
		apt-get update -qq > "$RW/src/update.log" 2>&1 || die "apt-get update failed: see $RW/src/update.log"
	fi
	say "apt-get source $1"
	# a mirror may lack the files of the newest version its index names (a
	# security update): then the older versions, newest first
	for want in "$1" $(apt-cache showsrc "$1" 2>/dev/null |
			sed -n "s/^Version: /$1=/p" | sort -t= -k2 -Vr); do
		(cd "$RW/src" && apt-get source -q "$want") > "$RW/src/$1.log" 2>&1 && break
	done
	tree=$(ls -d "$RW/src/$1"-*/ 2>/dev/null | head -1)
	[ -n "$tree" ] || die "apt-get source $1 failed: see $RW/src/$1.log"
	touch "$tree/.ctrail-fetched"
	echo "${tree%/}"
}

# Lua's Debian patches 0001 and 0002 replace its Makefile with a libtool
# build and its module paths with a generated header: taken back out, the
# upstream src/Makefile builds with any CC (the code patches stay).
prepare_lua() {
	LUA_SRC=$(fetch lua5.4) || exit 1
	[ -e "$LUA_SRC/.ctrail-upstream-make" ] && return
	for p in 0002-lua-modules-paths 0001-build-system; do
		(cd "$LUA_SRC" && patch -R -p1 -s < "debian/patches/$p.patch") ||
			die "cannot revert Lua's debian/patches/$p.patch"
	done
	touch "$LUA_SRC/.ctrail-upstream-make"
}

# SQLite's source package has no amalgamation: configure and `make
# sqlite3.c` (tclsh runs the generators) once.
prepare_sqlite() {
	SQL_SRC=$(fetch sqlite3) || exit 1
	AM=$RW/sqlite/amalgamation
	[ -e "$AM/sqlite3.c" ] && return
	say "making sqlite3.c"
	mkdir -p "$AM"
	(cd "$AM" && "$SQL_SRC/configure" -q CC=gcc && make sqlite3.c) > "$AM/build.log" 2>&1 ||
		die "making sqlite3.c failed: see $AM/build.log"
}

# ---- builds ----

# compiler_cmd COMPILER OPTIONS : the command that compiles, as a string.
compiler_cmd() {
	if [ "$2" = - ]; then echo "$1"; else echo "env CTRAIL_CC=$1 $BIN/ctrail-cc $2"; fi
}

# build PROG VARIANT COMPILER OPTIONS : builds $RW/PROG/VARIANT/ unless its
# stamp says it was built so and the wrapper and filter are older.
build() {
	d=$RW/$1/$2
	cmd=$(compiler_cmd "$3" "$4")
	stamp=$cmd
	for word in $4; do
		[ -f "$word" ] && stamp="$stamp $(cksum < "$word")"
	done
	exe=$d/$(program_file "$1")
	if [ -x "$exe" ] && [ "$(cat "$d/stamp" 2>/dev/null)" = "$stamp" ] &&
		[ -z "$(find "$BIN/ctrail-cc" "$BIN/ctrail-asm-filter" -newer "$exe")" ]; then
		return 0
	fi
	say "building $1 $2: $cmd"
	rm -rf "$d" && mkdir -p "$d"
	if ! build_$1 "$d" "$cmd" > "$d/build.log" 2>&1; then
		tail -5 "$d/build.log" >&2
		die "building $1 $2 failed: see $d/build.log"
	fi
	echo "$stamp" > "$d/stamp"
}

program_file() {
	case $1 in lua) echo lua ;; sqlite) echo speedtest1 ;; nginx) echo nginx ;; esac
}

# Lua's own src/Makefile, target linux (no readline), CC replaced.
build_lua() {
	cp "$LUA_SRC"/src/* "$1/" && make -C "$1" linux CC="$2 -std=gnu99" MYCFLAGS=-g
}

# speedtest1 as SQLite's Makefile links it: the amalgamation and
# test/speedtest1.c in one program.
build_sqlite() {
	$2 -O2 -g -DSQLITE_OMIT_LOAD_EXTENSION -I"$AM" "$AM/sqlite3.c" \
		"$SQL_SRC/test/speedtest1.c" -o "$1/speedtest1" -lpthread -lm -ldl
}

# nginx's configure and make, out of its tree (objects in DIR/obj), with
# a one-line script as the compiler since the command may be several
# words.  Without the rewrite and gzip modules: no PCRE or zlib needed.
build_nginx() {
	printf '#!/bin/sh\nexec %s "$@"\n' "$2" > "$1/cc" && chmod +x "$1/cc" &&
		(cd "$NGX_SRC" && ./configure --with-cc="$1/cc" --with-cc-opt="-O2 -g" \
			--builddir="$1/obj" --prefix="$1" --without-http_rewrite_module \
			--without-http_gzip_module && make -f "$1/obj/Makefile" -j2) &&
		cp "$1/obj/nginx" "$1/nginx"
}

# ---- runs ----

# workload PROG EXE : the command line of PROG's fixed workload.
workload() {
	case $1 in
	lua) echo "$2 $ROOT/bench/realworld/workload.lua ${LUA_SCALE:-1}" ;;
	sqlite) echo "$2 --memdb --size $SQLITE_SIZE" ;;
	esac
}

# launch PROG VARIANT OUT.ctr [VAR=VALUE...] : one run of the workload,
# with the variables set; a traced build writes its snapshot, a counting
# build its counts, to OUT.ctr at exit.
launch() {
	p=$1 v=$2 o=$3
	shift 3
	env CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT="$o" "$@" \
		$(workload "$p" "$RW/$p/$v/$(program_file "$p")") > /dev/null ||
		die "$p $v failed"
}

# run PROG VARIANT : a timed run, with the default ring (4 MiB a thread);
# appends its wall time in ms to PROG/VARIANT.ms, writes PROG/VARIANT.ctr.
run() {
	t0=$(date +%s%N)
	launch "$1" "$2" "$RW/$1/$2.ctr"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >> "$RW/$1/$2.ms"
}

# deep_run PROG VARIANT : an untimed run with 64 MiB rings (4 M events),
# to PROG/VARIANT.deep.ctr.  At 100 M events/s the default ring holds the
# last 2.6 ms, which for SQLite fully traced is its teardown (it frees its
# in-memory database page by page); 40 ms reach back into its statements.
# Writing 64 MiB at exit takes 0.2 s, which is why timed runs do not.
deep_run() { launch "$1" "$2" "$RW/$1/$2.deep.ctr" CTRAIL_RING_SIZE=64M; }

median_ms() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---- checks ----

# snapshot_fault CTR : what is wrong with a snapshot, or nothing: `ctrail
# info` must show no repairs but orphan returns (and, in a snapshot taken
# on a signal, the calls still open then), and `ctrail convert` must
# decode it (to CTR.json, for function_at).
snapshot_fault() {
	if ! info=$("$BIN/ctrail" info "$1" 2>&1); then
		echo "ctrail info: $info"
		return
	fi
	open=' orphan return$'
	echo "$info" | grep -q '^snapshot 0: .*taken by signal' && open=' no return in snapshot$'
	repairs=$(echo "$info" | sed -n 's/^  repairs   //p' | sed 's/, /\n/g' |
		grep -v -e ' orphan return$' -e "$open" | grep -vx none | tr '\n' ' ')
	if [ -n "$repairs" ]; then
		echo "repairs other than orphan returns in ${1##*/}: $repairs"
	elif ! err=$("$BIN/ctrail" convert "$1" -o "$1.json" 2>&1); then
		echo "ctrail convert ${1##*/}: $err"
	fi
}

# function_at JSON FUNCTION : "file:line" of FUNCTION's first call in the
# decoded trace, or "absent".
function_at() {
	python3 - "$1" "$2" << 'EOF'
import json, sys
for e in json.load(open(sys.argv[1]))['traceEvents']:
    if e.get('ph') == 'X' and e.get('name') == sys.argv[2]:
        a = e.get('args', {})
        print('%s:%s' % (a.get('file', '?'), a.get('line', '?')))
        break
else:
    print('absent')
EOF
}

# check PROG VARIANT FUNCTION FILE LINE CTR... : every snapshot decodes
# with no repairs but orphan returns, and FUNCTION shows in the last one
# with its FILE and LINE.  Prints one "ok ..." or "FAIL ..." line.
check() {
	p=$1 v=$2 fn=$3 file=$4 line=$5 open_note=
	shift 5
	for ctr; do
		fault=$(snapshot_fault "$ctr")
		if [ -n "$fault" ]; then
			rm -f "$ctr.json"
			echo "FAIL $p $v: $fault"
			return
		fi
		found=$(function_at "$ctr.json" "$fn")
		"$BIN/ctrail" dump "$ctr" | head -1 | grep -q ' reason=signal ' &&
			open_note=" and calls open at the snapshot"
		rm -f "$ctr.json"
	done
	if [ "$found" = "$file:$line" ]; then
		echo "ok   $p $v: $fn at ${file##*/}:$line, repairs: only orphan returns$open_note"
	else
		echo "FAIL $p $v: $fn is at $found, not $file:$line"
	fi
}

# trap_check VARIANT : SIGTRAP to Lua half a second into the workload: in
# the snapshot, main, lua_pcallk and luaV_execute must be open before the
# ring (from the unwound stack), with the ring's calls under luaV_execute.
# Prints one "ok ..." or "FAIL ..." line.
trap_check() {
	o=$RW/lua/$1.trap.ctr
	rm -f "$o"
	env CTRAIL_OUTPUT="$o" LUA_SCALE=1 $(workload lua "$RW/lua/$1/lua") > /dev/null &
	pid=$!
	sleep 0.5
	kill -TRAP $pid
	i=0
	while [ ! -f "$o" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill $pid 2> /dev/null
	wait $pid 2> /dev/null
	if ! err=$("$BIN/ctrail" convert "$o" -o "$o.json" 2>&1); then
		echo "FAIL lua trap: no snapshot, or ctrail convert: $err"
		return
	fi
	python3 "$ROOT/tests/e2e/json_check.py" tree "$o.json" lua --repairs | python3 -c '
import sys
want = ["main", "lua_pcallk", "luaV_execute"]
before, under, depth = [], 0, None
for line in sys.stdin:
    name = line.strip().split(" [")[0]
    d = len(line) - len(line.lstrip())
    if "[open before ring" in line:
        before.append(name)
        if name == "luaV_execute":
            depth = d
    elif depth is not None and d > depth:
        under += 1
missing = [f for f in want if f not in before]
if missing or not under:
    print("FAIL lua trap: not open before the ring: %s; %d calls under luaV_execute"
          % (" ".join(missing) or "-", under))
else:
    print("ok   lua trap: %s open before the ring (%d frames), %d calls under luaV_execute"
          % (" > ".join(want), len(before), under))
'
	rm -f "$o.json"
}

# written PROG VARIANT : events the threads of the last snapshot ever wrote.
written() {
	"$BIN/ctrail" info "$RW/$1/$2.ctr" |
		awk '/^    tid / { for (i = 2; i <= NF; i++) if ($i == "written,") s += $(i - 1) }
			END { printf "%.0f\n", s }'
}

# The definition's line, as DWARF gives it: the line with the name.
def_line() { grep -n "$2" "$1" | head -1 | cut -d: -f1; }

# ---- one program ----

# Variants of PROG: name, fully traced?, compiler, ctrail-cc options ("-":
# built without ctrail).
variants() {
	cat << EOF
plain-gcc no gcc -
plain-clang no clang -
fentry yes gcc --ctrail-mode=fentry
after-inlining yes clang --ctrail-mode=after-inlining
finstr yes gcc --ctrail-mode=finstr
culled no gcc --ctrail-mode=fentry --exclude-file $RW/$1/exclude.txt
count no gcc --ctrail-mode=fentry --count
EOF
}

# measure PROG FUNCTION FILE LINE : builds, counts, culls, times and checks
# PROG; appends its rows to $RW/results.  FILE may hold a %s for the
# variant's directory name.
measure() {
	prog=$1
	variants "$prog" | while read -r v full c o; do
		[ "$v" = culled ] || build "$prog" "$v" "$c" "$o"
	done || exit 1
	rm -f "$RW/$prog"/*.ms
	# the untraced run time for cull: plain runs of their own
	say "$prog: counting and culling"
	for i in 1 2 3; do run "$prog" plain-gcc; done
	runtime=$(median_ms "$RW/$prog/plain-gcc.ms")
	rm -f "$RW/$prog/plain-gcc.ms"
	run "$prog" count
	cp "$RW/$prog/count.ctr" "$RW/$prog/counts.ctr"
	"$BIN/ctrail" cull --budget $BUDGET --runtime "${runtime}ms" --keep "$2" \
		-o "$RW/$prog/exclude.txt" "$RW/$prog/counts.ctr" 2> "$RW/$prog/cull.txt" ||
		die "ctrail cull failed: $(cat "$RW/$prog/cull.txt")"
	variants "$prog" | while read -r v full c o; do
		[ "$v" != culled ] || build "$prog" "$v" "$c" "$o"
	done || exit 1
	rm -f "$RW/$prog"/*.ms
	r=1
	while [ $r -le "$ROUNDS" ]; do
		say "$prog: round $r of $ROUNDS"
		variants "$prog" | while read -r v full c o; do
			[ "$full" = yes ] && [ $r -gt "$FULL_ROUNDS" ] && continue
			run "$prog" "$v"
		done || exit 1
		r=$((r + 1))
	done
	for v in fentry after-inlining finstr culled; do
		deep_run "$prog" "$v"
		check "$prog" "$v" "$2" "$(printf "$3" "$v")" "$4" \
			"$RW/$prog/$v.ctr" "$RW/$prog/$v.deep.ctr" >> "$RW/checks"
		w=$(written "$prog" "$v")
		echo "$prog $v $(median_ms "$RW/$prog/$v.ms") $w $((w / 2))" >> "$RW/results"
	done
	for v in plain-gcc plain-clang; do
		echo "$prog $v $(median_ms "$RW/$prog/$v.ms") 0 0" >> "$RW/results"
	done
	calls=$(sed -n 's/.*still traced: [0-9]* of \([0-9]*\) calls.*/\1/p' "$RW/$prog/cull.txt")
	echo "$prog count $(median_ms "$RW/$prog/count.ms") 0 $calls" >> "$RW/results"
}

# ---- the table ----

label() {
	case $1 in
	plain-gcc) echo "plain, gcc -O2" ;;
	plain-clang) echo "plain, clang -O2" ;;
	fentry) echo "traced, fentry (gcc)" ;;
	after-inlining) echo "traced, after-inlining (clang)" ;;
	finstr) echo "traced, finstr (gcc)" ;;
	culled) echo "traced, culled, fentry (gcc)" ;;
	count) echo "counting only, fentry (gcc)" ;;
	esac
}

# The one table: per program and build, the median wall time, its ratio to
# the plain build of the same compiler, events written per second and the
# extra wall time per traced (or counted) call.
table() {
	printf '%-8s %-32s %9s %8s %10s %8s  %s\n' program build "wall" "x plain" "events/s" "ns/call" "culled"
	for prog in lua sqlite; do
		grep -q "^$prog " "$RW/results" || continue
		for v in plain-gcc plain-clang fentry after-inlining finstr culled count; do
			set -- $(grep "^$prog $v " "$RW/results")
			case $v in *clang* | after-inlining) base=plain-clang ;; *) base=plain-gcc ;; esac
			plain=$(grep "^$prog $base " "$RW/results" | cut -d' ' -f3)
			extra=
			[ "$v" = culled ] && extra=$(sed -n 's/^ctrail cull: excluded \([0-9]*\) of \([0-9]*\) functions; still traced: .*(\(.*\))$/\1 of \2 functions excluded, \3 of calls traced/p' "$RW/$prog/cull.txt")
			awk -v p="$prog" -v l="$(label "$v")" -v ms="$3" -v base="$plain" -v w="$4" -v c="$5" -v x="$extra" 'BEGIN {
				ev = w > 0 ? sprintf("%.1f M", w / (ms / 1000) / 1e6) : "-"
				ns = c > 0 ? sprintf("%.1f", (ms - base) * 1e6 / c) : "-"
				printf "%-8s %-32s %8.2fs %8.2f %10s %8s  %s\n", p, l, ms / 1000, ms / base, ev, ns, x }'
		done
	done
}

# ---- nginx: a server under load ----
#
# nginx 1.22 from Debian's source package, master and one worker (the
# master forks it and rewrites both process titles), serving a 4 KiB file
# on 127.0.0.1 at a free port, driven by ab (apache2-utils): each run
# starts the server, warms it up (NGX_WARM requests), measures NGX_N
# requests at concurrency NGX_C (requests/s, and p50/p99 latency from ab's
# CSV percentiles), and stops it with SIGQUIT (graceful: every process
# writes its exit snapshot), with the worker's CPU time per request.
# Variants: plain gcc -O2; fully traced (fentry); counting (fentry
# --count), whose worker's counts under the same load make `ctrail cull`'s
# list (run time: the plain worker's CPU time for as many requests; the
# worker waits for ab most of the wall time); culled (fentry
# --exclude-file).
# ROUNDS rounds of every variant in turn, medians kept.  Then, for the
# traced and culled builds, a SIGTRAP snapshot of the worker while ab
# loads it, checked like Lua's and SQLite's: `ctrail info` finds no
# repairs but orphan returns and the calls still open at the snapshot (a
# live worker is inside its event loop), convert decodes it, and the event
# loop ngx_process_events_and_timers shows with its file and line.
NGX_N=${NGX_N:-50000}
NGX_WARM=${NGX_WARM:-2000}
NGX_C=${NGX_C:-8}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx_conf RUN PORT : the configuration, on stdout.  As root the worker
# stays root (not nobody), so it can write its snapshot next to ours.
nginx_conf() {
	[ "$(id -u)" = 0 ] && echo "user root;"
	printf '%s\n' "worker_processes 1;" "daemon off;" "master_process on;" \
		"error_log $1/logs/error.log;" "pid $1/logs/nginx.pid;" \
		"events { worker_connections 1024; }" \
		"http { access_log off; server { listen 127.0.0.1:$2; root $1/html; } }"
}

# nginx_start VARIANT RUN [VAR=VALUE...] : starts the master in RUN/ with
# the variables set, and waits until it answers; NGX_PID and NGX_URL say
# where it is.
nginx_start() {
	v=$1 run=$2
	shift 2
	mkdir -p "$run/logs" "$run/html"
	[ -e "$run/html/index.html" ] || head -c 3072 /dev/urandom | base64 > "$run/html/index.html"
	port=$(free_port)
	nginx_conf "$run" "$port" > "$run/nginx.conf"
	env "$@" "$RW/nginx/$v/nginx" -p "$run" -c "$run/nginx.conf" > "$run/logs/stdout" 2>&1 &
	NGX_PID=$!
	NGX_URL=http://127.0.0.1:$port/index.html
	i=0
	until ab -q -n 1 "$NGX_URL" > /dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $NGX_PID 2> /dev/null; then
			kill $NGX_PID 2> /dev/null
			die "nginx $v did not start: $(tail -3 "$run/logs/error.log" 2>/dev/null)"
		fi
		sleep 0.05
	done
}

nginx_stop() {
	kill -QUIT $NGX_PID
	wait $NGX_PID
}

nginx_worker() { cut -d' ' -f1 < /proc/$NGX_PID/task/$NGX_PID/children; }

# worker_cpu PID : the process's user + system CPU time, in clock ticks.
worker_cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# ab_run N OUT : N requests; appends "req/s p50_ms p99_ms seconds" to OUT.
ab_run() {
	ab -q -n "$1" -c $NGX_C -e "$RW/nginx/ab.csv" "$NGX_URL" > "$RW/nginx/ab.out" 2>&1 ||
		die "ab failed: $(tail -3 "$RW/nginx/ab.out")"
	grep -q '^Failed requests: *0$' "$RW/nginx/ab.out" ||
		die "ab: $(grep '^Failed' "$RW/nginx/ab.out")"
	echo "$(awk '/^Requests per second:/ { print $4 }' "$RW/nginx/ab.out")" \
	     "$(awk -F, '$1 == 50 { print $2 }' "$RW/nginx/ab.csv")" \
	     "$(awk -F, '$1 == 99 { print $2 }' "$RW/nginx/ab.csv")" \
	     "$(awk '/^Time taken for tests:/ { print $5 }' "$RW/nginx/ab.out")" >> "$2"
}

# nginx_run VARIANT : one measured run, its figures and the worker's CPU
# time per request in us appended to nginx/VARIANT.ab; traced builds write
# their exit snapshots (counts) to nginx/VARIANT.PID.ctr; NGX_LAST_WORKER
# is the worker's pid.
nginx_run() {
	nginx_start "$1" "$RW/nginx/run-$1" CTRAIL_WRITE_AT_EXIT=1 \
		CTRAIL_OUTPUT="$RW/nginx/$1.%p.ctr"
	ab_run $NGX_WARM /dev/null
	NGX_LAST_WORKER=$(nginx_worker)
	c0=$(worker_cpu $NGX_LAST_WORKER)
	ab_run $NGX_N "$RW/nginx/ab.last"
	c1=$(worker_cpu $NGX_LAST_WORKER)
	echo "$(cat "$RW/nginx/ab.last")" \
	     "$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n=$NGX_N 'BEGIN { print t / hz * 1e6 / n }')" \
	     >> "$RW/nginx/$1.ab"
	rm -f "$RW/nginx/ab.last"
	nginx_stop
}

# nginx_trap VARIANT : a SIGTRAP snapshot of the worker under load, to
# nginx/VARIANT.trap.PID.0.ctr; prints its path.
nginx_trap() {
	rm -f "$RW/nginx/$1".trap.*
	nginx_start "$1" "$RW/nginx/run-$1" CTRAIL_OUTPUT="$RW/nginx/$1.trap.%p.%n.ctr"
	w=$(nginx_worker)
	ab -q -n $NGX_N -c $NGX_C "$NGX_URL" > /dev/null 2>&1 &
	abp=$!
	sleep 1
	kill -TRAP "$w"
	i=0
	while [ ! -e "$RW/nginx/$1.trap.$w.0.ctr" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	wait $abp
	nginx_stop
	echo "$RW/nginx/$1.trap.$w.0.ctr"
}

# median_col FILE COLUMN
median_col() {
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Variants: name, compiler, ctrail-cc options ("-": built without ctrail).
nginx_variants() {
	echo "plain gcc -"
	echo "fentry gcc --ctrail-mode=fentry"
	echo "count gcc --ctrail-mode=fentry --count"
	echo "culled gcc --ctrail-mode=fentry --exclude-file $RW/nginx/exclude.txt"
}

measure_nginx() {
	NGX_SRC=$(fetch nginx) || exit 1
	NGX_LINE=$(def_line "$NGX_SRC/src/event/ngx_event.c" '^ngx_process_events_and_timers(')
	nginx_variants | while read -r v c o; do
		[ "$v" = culled ] || build nginx "$v" "$c" "$o"
	done || exit 1
	rm -f "$RW/nginx"/*.ab "$RW/nginx"/*.ctr
	say "nginx: counting and culling"
	for i in 1 2 3; do nginx_run plain; done
	# the worker's own time for what it counted (warm-up and measured
	# requests): its CPU time, since it waits for ab most of the wall time
	runtime=$(awk -v us="$(median_col "$RW/nginx/plain.ab" 5)" -v n=$((NGX_N + NGX_WARM)) \
		'BEGIN { printf "%.0fus\n", us * n }')
	nginx_run count
	cp "$RW/nginx/count.$NGX_LAST_WORKER.ctr" "$RW/nginx/counts.ctr"
	"$BIN/ctrail" cull --budget $BUDGET --runtime "$runtime" \
		--keep ngx_process_events_and_timers -o "$RW/nginx/exclude.txt" \
		"$RW/nginx/counts.ctr" 2> "$RW/nginx/cull.txt" ||
		die "ctrail cull failed: $(cat "$RW/nginx/cull.txt")"
	nginx_variants | while read -r v c o; do
		[ "$v" != culled ] || build nginx "$v" "$c" "$o"
	done || exit 1
	rm -f "$RW/nginx"/*.ab "$RW/nginx"/*.ctr
	r=1
	while [ $r -le "$ROUNDS" ]; do
		say "nginx: round $r of $ROUNDS"
		nginx_variants | while read -r v c o; do nginx_run "$v"; done || exit 1
		r=$((r + 1))
	done
	for v in plain fentry count culled; do
		echo "nginx $v $(median_col "$RW/nginx/$v.ab" 1) $(median_col "$RW/nginx/$v.ab" 2)" \
		     "$(median_col "$RW/nginx/$v.ab" 3) $(median_col "$RW/nginx/$v.ab" 5)" \
		     >> "$RW/nginx.results"
	done
	for v in fentry culled; do
		ctr=$(nginx_trap "$v")
		check nginx "$v worker, SIGTRAP under load" ngx_process_events_and_timers \
			"$NGX_SRC/src/event/ngx_event.c" "$NGX_LINE" "$ctr" >> "$RW/checks"
	done
	awk '$2 == "plain" { p = $3 } $2 == "culled" { c = $3 }
		END { printf "%s nginx: culled traced throughput %.2f x plain (goal >= 0.90)\n",
			(c >= 0.90 * p) ? "ok  " : "FAIL", c / p }' "$RW/nginx.results" >> "$RW/checks"
}

# Per build: median requests/s, p50/p99 latency and the worker's CPU time
# per request, and their ratios to plain.
nginx_table() {
	printf '%-8s %-30s %7s %7s %7s %7s %7s %7s %7s %7s  %s\n' program build "req/s" "x plain" \
		"p50 ms" "x plain" "p99 ms" "x plain" "cpu us" "x plain" culled
	set -- $(grep "^nginx plain " "$RW/nginx.results")
	prps=$3 p50=$4 p99=$5 pcpu=$6
	for v in plain fentry count culled; do
		set -- $(grep "^nginx $v " "$RW/nginx.results")
		extra=
		[ "$v" = culled ] && extra=$(sed -n 's/^ctrail cull: excluded \([0-9]*\) of \([0-9]*\) functions; still traced: .*(\(.*\))$/\1 of \2 functions excluded, \3 of calls traced/p' "$RW/nginx/cull.txt")
		case $v in
		plain) l="plain, gcc -O2" ;;
		fentry) l="traced, fentry (gcc)" ;;
		count) l="counting only, fentry (gcc)" ;;
		culled) l="traced, culled, fentry (gcc)" ;;
		esac
		awk -v l="$l" -v r="$3" -v a="$4" -v b="$5" -v u="$6" -v pr="$prps" -v pa="$p50" \
			-v pb="$p99" -v pu="$pcpu" -v x="$extra" 'BEGIN {
			printf "%-8s %-30s %7.0f %7.2f %7.3f %7.2f %7.3f %7.2f %7.1f %7.2f  %s\n",
				"nginx", l, r, r / pr, a, a / pa, b, b / pb, u, u / pu, x }'
	done
}

# ---- main ----

[ -x "$BIN/ctrail-cc" ] && [ -x "$BIN/ctrail" ] || die "build ctrail first: make all"
if [ "$(id -u)" = 0 ]; then
	# tcl: tclsh makes sqlite3.c; apache2-utils: ab loads nginx
	[ "$SMOKE" = 1 ] && extra= || extra="tcl apache2-utils"
	sh "$ROOT/tools/install-deps.sh" $extra || exit 1
fi
mkdir -p "$RW"

if [ "$SMOKE" = 1 ]; then
	prepare_lua
	LUA_LINE=$(def_line "$LUA_SRC/src/lvm.c" '^void luaV_execute (')
	LUA_SCALE=0.05
	build lua smoke gcc --ctrail-mode=fentry
	launch lua smoke "$RW/lua/smoke.ctr"
	result=$(check lua smoke luaV_execute "$RW/lua/smoke/lvm.c" "$LUA_LINE" "$RW/lua/smoke.ctr"
		trap_check smoke)
	echo "$result"
	case $result in *FAIL*) exit 1 ;; ok*) exit 0 ;; *) exit 1 ;; esac
fi

rm -f "$RW/results" "$RW/nginx.results" "$RW/checks"
case " $PROGS " in *" lua "*)
	prepare_lua
	LUA_LINE=$(def_line "$LUA_SRC/src/lvm.c" '^void luaV_execute (')
	measure lua luaV_execute "$RW/lua/%s/lvm.c" "$LUA_LINE" ;;
esac
case " $PROGS " in *" sqlite "*)
	prepare_sqlite
	SQL_LINE=$(def_line "$AM/sqlite3.c" '^SQLITE_PRIVATE int sqlite3VdbeExec($')
	measure sqlite sqlite3VdbeExec "$AM/sqlite3.c" "$SQL_LINE" ;;
esac
case " $PROGS " in *" nginx "*) measure_nginx ;; esac
echo
if [ -s "$RW/results" ]; then table; echo; fi
if [ -s "$RW/nginx.results" ]; then nginx_table; echo; fi
for prog in lua sqlite; do
	grep -q "^$prog " "$RW/results" 2> /dev/null || continue
	awk -v p="$prog" '$1 == p && $2 == "plain-gcc" { plain = $3 } $1 == p && $2 == "culled" { c = $3 }
		END { printf "%s %s: culled traced wall time %.2f x plain (goal <= 1.10)\n",
			c <= 1.10 * plain ? "ok  " : "FAIL", p, c / plain }' "$RW/results"
done >> "$RW/checks"
cat "$RW/checks"
! grep -q '^FAIL' "$RW/checks"
