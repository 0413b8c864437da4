#!/bin/sh
# realworld.sh - the smoke version of `make realworld` (bench/realworld.sh
# --smoke): Lua 5.4 from its Debian source package (`apt-get source`, with
# a deb-src entry added for the machine's suite when there is none), built
# by its own Makefile with ctrail-cc in fentry mode, runs a short workload;
# its snapshot decodes with no repairs but orphan returns, and the
# interpreter loop luaV_execute shows with the file and line of its
# definition in lvm.c; SIGTRAP in the middle of the full workload gives a
# snapshot where main, lua_pcallk and luaV_execute are open before the ring
# (unwound from the stack).  About 12 s on a fresh machine, download
# included.
. "$(dirname "$0")/../lib.sh"

out=$(sh "$CTRAIL_ROOT/bench/realworld.sh" --smoke 2>&1)
case $out in
*"ok   lua smoke: luaV_execute at lvm.c:"*", repairs: only orphan returns"*)
	pass realworld-smoke-lua ;;
*) fail realworld-smoke-lua "$(echo "$out" | tail -5 | tr '\n' ' ')" ;;
esac
case $out in
*"ok   lua trap: main > lua_pcallk > luaV_execute open before the ring"*)
	pass realworld-smoke-lua-trap ;;
*) fail realworld-smoke-lua-trap "$(echo "$out" | tail -5 | tr '\n' ' ')" ;;
esac
