# Symbols found by build id off the build machine (docs/ctrail.md, "Where
# symbols come from"): stripped binaries with split debug info (next to the
# binary through .gnu_debuglink, in a --debug-dir tree, from a local
# debuginfod -F server), with no debug info at all, a debuginfod that never
# answers (bounded time, one note), and ctrail pack: the pack decodes the
# same names and lines with the binaries gone, in every mode.
#
# The servers run in a network namespace of their own (unshare -n) where
# only the loopback exists: debuginfod 0.188 cannot be told to listen on
# 127.0.0.1 alone.
. "$(dirname "$0")/../lib.sh"
C=$BIN/ctrail

LINES="fact r_basic.c:8
leaf r_basic.c:6
main r_basic.c:10
middle r_basic.c:7"

# build_id FILE : its GNU build id in hex.
build_id() { readelf -n "$1" | awk '/Build ID/ { print $3 }'; }

# split DIR : DIR/basic stripped, DIR/basic.debug its debug file, linked.
split() {
	objcopy --only-keep-debug "$1/basic" "$1/basic.debug" &&
		objcopy --strip-all --add-gnu-debuglink="$1/basic.debug" "$1/basic" "$1/basic.s" &&
		mv "$1/basic.s" "$1/basic"
}

D=$WORK/split
mkdir -p "$D"
if ! { build gcc-fentry "$D/basic" "$PROGS/r_basic.c" && split "$D" &&
	trace "$D/b.ctr" "$D/basic"; }; then
	fail split-build "build, strip or trace failed"
	exit 0
fi
id=$(build_id "$D/basic")
export DEBUGINFOD_CACHE_PATH=$WORK/cache
unset DEBUGINFOD_URLS

# .gnu_debuglink: the debug file next to the stripped binary.
"$C" convert "$D/b.ctr" -o "$D/link.json" 2>&1
expect_eq debuglink-lines "$LINES" "$(slice_lines "$D/link.json")"

# --debug-dir DIR/.build-id/xx/rest.debug with the binary gone.
mkdir -p "$WORK/dbg/.build-id/${id%"${id#??}"}" "$WORK/away"
mv "$D/basic.debug" "$WORK/dbg/.build-id/${id%"${id#??}"}/${id#??}.debug"
mv "$D/basic" "$WORK/away/"
"$C" convert --debug-dir "$WORK/dbg" "$D/b.ctr" -o "$D/dir.json" 2>&1
expect_eq debug-dir-lines "$LINES" "$(slice_lines "$D/dir.json")"
case $("$C" info --debug-dir "$WORK/dbg" "$D/b.ctr") in
*"basic: no such file; symbols from $WORK/dbg/.build-id/"*"found by build id"*) pass debug-dir-note ;;
*) fail debug-dir-note "info does not say where the symbols came from" ;;
esac

# Another build at the recorded path: the traced build's debug file, found
# by build id, is used instead, and info says so.
if build clang-after "$D/basic" "$PROGS/r_basic.c"; then
	"$C" convert --debug-dir "$WORK/dbg" "$D/b.ctr" -o "$D/other.json" 2>&1
	expect_eq build-id-differs-lines "$LINES" "$(slice_lines "$D/other.json")"
	expect_eq build-id-differs-note 1 "$("$C" info --debug-dir "$WORK/dbg" "$D/b.ctr" |
		grep -c "basic: build id differs from the traced binary; symbols from $WORK/dbg/")"
	rm -f "$D/basic"
else
	fail build-id-differs "the other build failed"
fi

# No debug info anywhere: addresses raw, one note, exit 0.
"$C" report --no-debuginfod "$D/b.ctr" >"$D/raw.txt" 2>&1
expect_eq no-debug-info-raw "basic+0x" "$(awk 'NR == 2 { print substr($NF, 1, 8) }' "$D/raw.txt")"
expect_eq no-debug-info-note "$D/basic: no such file; addresses shown raw" \
	"$("$C" info --no-debuginfod "$D/b.ctr" | grep "^$D/basic")"
mv "$WORK/away/basic" "$D/"
"$C" convert "$D/b.ctr" -o "$D/stripped.json" 2>&1
expect_eq stripped-no-lines "?:?" "$(slice_lines "$D/stripped.json" | awk '{ print $2 }' | sort -u)"

# debuginfod: a real server that answers, then a listener that never does.
if ! command -v debuginfod >/dev/null || ! unshare -n true 2>/dev/null; then
	pass "debuginfod (skipped: debuginfod or unshare -n not available)"
else
	mkdir -p "$WORK/served"
	mv "$WORK/dbg/.build-id/${id%"${id#??}"}/${id#??}.debug" "$WORK/served/basic.debug"
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
	unshare -n sh -c '
		ip link set lo up
		W=$1 C=$2 D=$3 port=$4
		debuginfod -F -p $port -d "$W/di.sqlite" "$W/served" >"$W/di.log" 2>&1 &
		srv=$!
		python3 -c "
import sys, time, urllib.request
for i in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        break
    except Exception:
        time.sleep(0.1)
" http://127.0.0.1:$port/buildid/$5/debuginfo
		export DEBUGINFOD_URLS=http://127.0.0.1:$port
		"$C" convert "$D/b.ctr" -o "$D/served.json" >/dev/null 2>&1
		mv "$D/basic" "$W/away/"
		"$C" info "$D/b.ctr" >"$W/served-info.txt" 2>&1
		mv "$W/away/basic" "$D/"
		kill $srv
		python3 -c "
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"127.0.0.1\", int(sys.argv[1])))
s.listen(64)
s.settimeout(30)
held = []
end = time.time() + 30
while time.time() < end:
    try: held.append(s.accept()[0])
    except OSError: break
    open(sys.argv[2], \"a\").write(\"accepted\\n\")
" $((port + 1)) "$W/accepts" &
		mute=$!
		sleep 0.3
		export DEBUGINFOD_URLS=http://127.0.0.1:$((port + 1)) DEBUGINFOD_CACHE_PATH=$W/cache2
		s=$(date +%s%N)
		DEBUGINFOD_TIMEOUT=1 "$C" info "$D/b.ctr" >"$W/mute-info.txt" 2>&1
		echo $(( ($(date +%s%N) - s) / 1000000 )) >"$W/mute-ms"
		s=$(date +%s%N)
		"$C" report "$D/b.ctr" >/dev/null 2>&1
		echo $(( ($(date +%s%N) - s) / 1000000 )) >"$W/mute-default-ms"
		kill $mute
	' sh "$WORK" "$C" "$D" "$port" "$id"
	rm -f "$D/basic.debug"
	expect_eq debuginfod-lines "$LINES" "$(slice_lines "$D/served.json")"
	expect_eq debuginfod-once-per-build-id 1 "$(grep -c "UA:elfutils.*GET /buildid/$id/debuginfo" "$WORK/di.log")"
	case $(cat "$WORK/served-info.txt") in
	*"symbols from $WORK/cache/$id/debuginfo"*) pass debuginfod-note ;;
	*) fail debuginfod-note "$(cat "$WORK/served-info.txt")" ;;
	esac
	ms=$(cat "$WORK/mute-ms")
	if [ "$ms" -lt 4000 ]; then pass debuginfod-mute-timeout; else
		fail debuginfod-mute-timeout "DEBUGINFOD_TIMEOUT=1 took $ms ms"; fi
	ms=$(cat "$WORK/mute-default-ms")
	if [ "$ms" -lt 12000 ]; then pass debuginfod-mute-default; else
		fail debuginfod-mute-default "the default timeout took $ms ms"; fi
	# two runs, at most one connection each (the client may also keep a
	# failure in its cache and not connect in the second)
	n=$(wc -l <"$WORK/accepts")
	if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then pass debuginfod-mute-one-connection-per-run; else
		fail debuginfod-mute-one-connection-per-run "$n connections in two runs"; fi
	expect_eq debuginfod-mute-one-note 1 "$(grep -c "^debuginfod (http://127.0.0.1:.*not asked again" "$WORK/mute-info.txt")"
fi

# ctrail pack in every mode, a program with a library and a plugin: the
# pack decodes to the same report and JSON with every binary gone.
for mode in $MODES; do
	P=$WORK/pack-$mode
	mkdir -p "$P"
	build $mode "$P/libr_lib.so" -shared -fPIC "$PROGS/r_shlib_lib.c" &&
		build $mode "$P/plugin.so" -shared -fPIC "$PROGS/r_shlib_plugin.c" &&
		build $mode "$P/shlib" "$PROGS/r_shlib.c" -L"$P" -lr_lib -Wl,-rpath,"$P" &&
		trace "$P/s.ctr" "$P/shlib" "$P/plugin.so" ||
		{ fail "$mode-pack" "build or trace failed"; continue; }
	"$C" report "$P/s.ctr" >"$P/before.txt" && "$C" convert "$P/s.ctr" -o "$P/before.json" &&
		"$C" pack "$P/s.ctr" -o "$P/s.ctrpack" >"$P/pack.txt" ||
		{ fail "$mode-pack" "report, convert or pack failed: $(cat "$P/pack.txt")"; continue; }
	mkdir "$P/gone"
	mv "$P/libr_lib.so" "$P/plugin.so" "$P/shlib" "$P/gone/"
	"$C" report "$P/s.ctrpack" >"$P/after.txt"
	"$C" convert "$P/s.ctrpack" -o "$P/after.json"
	expect_eq "$mode-pack-report" "$(cat "$P/before.txt")" "$(cat "$P/after.txt")"
	expect_eq "$mode-pack-lines" "$(slice_lines "$P/before.json")" "$(slice_lines "$P/after.json")"
	expect_eq "$mode-pack-modules" 3 "$(grep -c 'bytes of ELF,' "$P/pack.txt")"
	case $(tail -n 1 "$P/pack.txt") in
	"wrote $P/s.ctrpack: $(stat -c %s "$P/s.ctrpack") bytes, "*"the trace's $(stat -c %s "$P/s.ctr")"*) pass "$mode-pack-size" ;;
	*) fail "$mode-pack-size" "$(tail -n 1 "$P/pack.txt")" ;;
	esac
	"$C" dump "$P/s.ctrpack" >/dev/null 2>&1 && "$C" dump "$P/s.ctr" >/dev/null 2>&1 &&
		pass "$mode-pack-dump" || fail "$mode-pack-dump" "dump failed"
done

# A stripped binary whose debug file is found through --debug-dir at pack
# time: the pack alone gives names and lines.
Q=$WORK/packsplit
mkdir -p "$Q/dbg/.build-id/${id%"${id#??}"}"
cp "$D/basic" "$D/b.ctr" "$Q/"
build gcc-fentry "$Q/full" "$PROGS/r_basic.c"
objcopy --only-keep-debug "$Q/full" "$Q/dbg/.build-id/${id%"${id#??}"}/${id#??}.debug"
if [ "$(build_id "$Q/full")" = "$id" ]; then
	"$C" pack --no-debuginfod --debug-dir "$Q/dbg" "$D/b.ctr" -o "$Q/b.ctrpack" >/dev/null &&
		rm -rf "$Q/dbg" "$D/basic" &&
		"$C" convert --no-debuginfod "$Q/b.ctrpack" -o "$Q/b.json" 2>&1
	expect_eq pack-split-lines "$LINES" "$(slice_lines "$Q/b.json")"
else
	pass "pack-split-lines (skipped: the rebuild's build id differs)"
fi
# A pack whose packed data is damaged: the module's addresses show raw,
# one note says why, nothing crashes.
python3 -c '
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
at = 16
while at < len(b):
    tag, _, size = struct.unpack_from("<IIQ", b, at)
    if tag == 11:
        elf, data, idn, pathn = struct.unpack_from("<QQII", b, at + 16)
        b[at + 16 + 32 + idn + pathn + data // 2] ^= 0xff
        break
    at += 16 + (size + 7) // 8 * 8
open(sys.argv[2], "wb").write(b)' "$WORK/pack-gcc-fentry/s.ctrpack" "$WORK/damaged.ctrpack"
expect_ok pack-damaged-decodes "$C" report "$WORK/damaged.ctrpack"
expect_eq pack-damaged-note 1 "$("$C" info "$WORK/damaged.ctrpack" | grep -c "the pack's copy is damaged; addresses shown raw")"
expect_err pack-usage "missing TRACE" "$C" pack
expect_fail pack-not-a-pack-twice "$C" pack "$WORK/pack-gcc-fentry/s.ctrpack" -o "$WORK/x.ctrpack"
