#!/bin/sh
# Installs the Debian packages ctrail needs to build and test, when missing.
# As root it runs apt-get; otherwise it names what to install and fails.
# chromium: tests/e2e/summaries.sh opens the flame graph SVG headless
# dpkg-dev: `apt-get source` unpacks Lua for the realworld smoke test
# libdebuginfod-dev, zlib1g-dev, libcurl4-openssl-dev: the decoder's debuginfod
#   lookups, packs and pprof output, ClickHouse client
# debuginfod, iproute2: tests/e2e/symbols_by_id.sh serves debug files from a
#   local debuginfod in a network namespace of its own
# golang-go: go tool pprof reads the pprof output in tests/e2e/pprof.sh
# clickhouse-server: tests/e2e/clickhouse.sh ingests into a local server
# valgrind: tests/e2e/decode_cli.sh checks convert for leaks
# Packages named as arguments are added (bench/realworld.sh: tcl, apache2-utils).
PKGS="gcc g++ clang libclang-rt-14-dev make cmake libelf-dev libdw-dev pkg-config binutils gdb python3 chromium dpkg-dev libdebuginfod-dev zlib1g-dev libcurl4-openssl-dev debuginfod iproute2 golang-go clickhouse-server valgrind $*"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "ctrail: missing Debian packages:$missing (run: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "ctrail: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq $missing >/dev/null
