#!/bin/sh
# End-to-end tests of the compiler wrappers ctrail-cc / ctrail-c++.
#
# For each mode, with a compiler that supports it (the CONFIGS list: mode, C
# compiler, C++ compiler), builds the tests/progs/w_* programs every way a
# build system does: compile only, compile and link in one command, compile
# and link apart, a shared library with a program linked to it and a plain
# program that dlopens it, and a C++ program.  Checks that the hooks of the
# mode are called from the objects, that nothing of gprof (gcrt1.o) is
# linked, and that the programs run, print what they should and write a .ctr
# at exit.  Then builds a tiny make project and a tiny CMake project with
# CC=ctrail-cc CXX=ctrail-c++, and checks the error cases.
. "$(dirname "$0")/../lib.sh"

CCW=$BIN/ctrail-cc
CXXW=$BIN/ctrail-c++
CONFIGS="after-inlining:clang:clang++ fentry:gcc:g++ finstr:gcc:g++ finstr:clang:clang++"

have_rt=1
if [ ! -e "$CTRAIL_BUILD/lib/libctrail.so" ]; then
	fail runtime "$CTRAIL_BUILD/lib/libctrail.so is missing: only compile steps are tested"
	have_rt=0
fi

hooks_of() {
	case $1 in
	fentry) echo "__fentry__ __return__" ;;
	*) echo "__cyg_profile_func_enter __cyg_profile_func_exit" ;;
	esac
}

# calls NAME FILE FUNC SYMS: the code of FUNC in FILE (object or linked; ""
# for the whole file) calls each of the space-separated SYMS.
calls() {
	code=$(objdump -dr ${3:+--disassemble="$3"} "$2" 2>&1)
	for s in $4; do
		if ! printf '%s\n' "$code" | grep -q "call.*$s\|R_X86_64.*$s"; then
			fail "$1" "$3 in $2 does not call $s"
			return
		fi
	done
	pass "$1"
}

# no_gprof NAME FILE: gprof's start-up code (gcrt1.o, -pg at link) is not in FILE.
no_gprof() {
	if nm "$2" 2>&1 | grep -q '__monstartup\|_mcleanup\|\<mcount\>'; then
		fail "$1" "$2 links gprof's start-up code (-pg reached the link step)"
	else
		pass "$1"
	fi
}

# runs NAME EXPECTED PROG ARGS...: PROG prints EXPECTED, exits 0, and with
# CTRAIL_WRITE_AT_EXIT=1 writes a file that starts with the .ctr magic.
runs() {
	n=$1 want=$2
	shift 2
	rm -f "$WORK/out.ctr"
	if ! got=$(CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT="$WORK/out.ctr" "$@" 2>&1); then
		fail "$n" "'$*' failed: $got"
		return
	fi
	expect_eq "$n" "$want" "$got"
	magic=$(od -An -tx1 -N8 "$WORK/out.ctr" 2>/dev/null | tr -d ' \n')
	expect_eq "$n-ctr" 43545241494c000a "$magic"
}

# build NAME CMD...: runs a build command; fails NAME with its output if it fails.
build() {
	n=$1
	shift
	if out=$("$@" 2>&1); then return 0; fi
	fail "$n" "'$*' failed: $out"
	return 1
}

for c in $CONFIGS; do
	m=${c%%:*} cc=${c#*:} cc=${cc%%:*} cxx=${c##*:}
	command -v "$cc" >/dev/null || { fail "$m-$cc" "no $cc on this machine"; continue; }
	export CTRAIL_CC=$cc CTRAIL_CXX=$cxx
	t=$m-$cc d=$WORK/$t
	mkdir -p "$d"
	hooks=$(hooks_of "$m")
	M=--ctrail-mode=$m

	build "$t-compile" "$CCW" $M -O2 -c "$PROGS/w_util.c" -o "$d/util.o" &&
		calls "$t-compile" "$d/util.o" w_util "$hooks"
	[ "$have_rt" = 1 ] || continue

	# One command compiles two sources and links, with spaces in arguments.
	if build "$t-one-step" "$CCW" -O2 "-DW_TAG=\"a b\"" -MD "$PROGS/w_main.c" \
		$M "$PROGS/w_util.c" -o "$d/one step"; then
		calls "$t-one-step" "$d/one step" w_local "$hooks"
		no_gprof "$t-one-step-no-gprof" "$d/one step"
		runs "$t-one-step-run" "a b
12" "$d/one step"
		# -MD names the dependency file after -o, as the compiler would.
		line=$(head -n 2 "$d/one step.d" 2>&1 | tr "\n" " ")
		case $line in
		"$d/one\\ step: "*w_main.c* | "$d/one\\ step: "*w_util.c*) pass "$t-one-step-deps" ;;
		*) fail "$t-one-step-deps" "'$d/one step.d' starts: $line" ;;
		esac
	fi

	# Compile and link apart.
	build "$t-two-step" "$CCW" $M -O2 -c "$PROGS/w_main.c" -o "$d/main.o" &&
		build "$t-two-step" "$CCW" $M -O2 "$d/main.o" "$d/util.o" -o "$d/two" &&
		no_gprof "$t-two-step-no-gprof" "$d/two" &&
		runs "$t-two-step-run" 12 "$d/two"

	# A shared library, a program linked to it, a plain program dlopening it.
	if build "$t-shared" "$CCW" $M -O2 -fPIC -shared "$PROGS/w_lib.c" -o "$d/libw.so"; then
		calls "$t-shared" "$d/libw.so" w_lib "$hooks"
		no_gprof "$t-shared-no-gprof" "$d/libw.so"
		build "$t-uselib" "$CCW" $M -O2 "$PROGS/w_uselib.c" -L"$d" -lw \
			-Wl,-rpath,"$d" -o "$d/uselib" &&
			runs "$t-uselib-run" 14 "$d/uselib"
		build "$t-dlopen" "$cc" -O2 "$PROGS/w_dlopen.c" -o "$d/dlopen" -ldl &&
			runs "$t-dlopen-run" 21 "$d/dlopen" "$d/libw.so"
	fi

	# C++, one step.
	build "$t-c++" "$CXXW" $M -O2 "$PROGS/w_hello.cpp" -o "$d/hello" &&
		calls "$t-c++" "$d/hello" "" "$hooks" &&
		runs "$t-c++-run" "caught 3 hello" "$d/hello"
done

# Without a mode: gcc gets fentry, clang after-inlining (from CTRAIL_MODE too).
unset CTRAIL_CC CTRAIL_CXX
CTRAIL_CC=gcc build default-gcc "$CCW" -c "$PROGS/w_util.c" -o "$WORK/dg.o" &&
	calls default-gcc "$WORK/dg.o" w_util "$(hooks_of fentry)"
CTRAIL_CC=clang build default-clang "$CCW" -c "$PROGS/w_util.c" -o "$WORK/dc.o" &&
	calls default-clang "$WORK/dc.o" w_util "$(hooks_of after-inlining)"
CTRAIL_CC=gcc CTRAIL_MODE=finstr build env-mode "$CCW" -c "$PROGS/w_util.c" -o "$WORK/em.o" &&
	calls env-mode "$WORK/em.o" w_util "$(hooks_of finstr)"

# A make project: compile and link apart, dependency files, a rebuild.
if [ "$have_rt" = 1 ]; then
	cp -r "$PROGS/w_make" "$WORK/make"
	if build make make -s -C "$WORK/make" CC="$CCW"; then
		runs make-run 55 "$WORK/make/prog"
		no_gprof make-no-gprof "$WORK/make/prog"
		grep -q 'count.h' "$WORK/make/count.d" && pass make-deps ||
			fail make-deps "count.d does not list count.h"
		touch "$WORK/make/count.h"
		out=$(make -C "$WORK/make" CC="$CCW" 2>&1)
		case $out in
		*count.c*) pass make-rebuild ;;
		*) fail make-rebuild "touching count.h did not rebuild count.o: $out" ;;
		esac
	fi
fi

# A CMake project (its compiler checks compile and link), with each compiler.
if [ "$have_rt" = 1 ] && command -v cmake >/dev/null; then
	for c in gcc:g++ clang:clang++; do
		b=$WORK/cmake-${c%%:*}
		mkdir -p "$b"
		if build "cmake-${c%%:*}" env -C "$b" CC="$CCW" CXX="$CXXW" \
			CTRAIL_CC="${c%%:*}" CTRAIL_CXX="${c##*:}" cmake "$PROGS/w_cmake" &&
			build "cmake-${c%%:*}" make -s -C "$b"; then
			runs "cmake-${c%%:*}-run" 42 "$b/wprog"
		fi
	done
elif [ "$have_rt" = 1 ]; then
	fail cmake "cmake is not installed (tools/install-deps.sh installs it)"
fi

# Errors: exit 2 and a message that says what to do (expect_err, lib.sh).
expect_err bad-mode "unknown mode 'bogus'" "$CCW" --ctrail-mode=bogus -c "$PROGS/w_util.c" -o "$WORK/x.o"
expect_err bad-mode-env "unknown mode 'bogus'" env CTRAIL_MODE=bogus "$CCW" -c "$PROGS/w_util.c" -o "$WORK/x.o"
expect_err fentry-clang "mode fentry needs gcc" env CTRAIL_CC=clang "$CCW" --ctrail-mode=fentry -c "$PROGS/w_util.c" -o "$WORK/x.o"
expect_err after-inlining-gcc "mode after-inlining needs clang" env CTRAIL_CXX=g++ "$CXXW" --ctrail-mode=after-inlining -c "$PROGS/w_hello.cpp" -o "$WORK/x.o"
expect_err bad-option "unknown option --ctrail-foo" "$CCW" --ctrail-foo -c "$PROGS/w_util.c"
out=$("$CCW" --ctrail-help)
case $out in
usage:*fentry*) pass help ;;
*) fail help "--ctrail-help printed: $out" ;;
esac
expect_ok version-passes-through "$CCW" --version
