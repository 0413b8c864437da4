#!/bin/sh
# fuzz_reader.sh - builds tests/fuzz/fuzz_reader.c as a libFuzzer target
# (clang, address and undefined-behaviour sanitizers) over the decoder's
# reader, timeline and JSON emitter, seeds it with the synthetic files of
# tests/fuzz/make_corpus.py, and runs a bounded number of inputs (200000
# runs or 30 seconds, whichever comes first).  Any crash, leak or UB report
# fails the test; the crashing input is kept next to the log.
. "$(dirname "$0")/../lib.sh"
ROOT=$CTRAIL_ROOT
if ! command -v clang >/dev/null; then
	fail fuzz_reader "clang not found"
	exit 0
fi
FUZZ=$WORK/fuzz_reader
LIBS=$(sed -n 's/^DECODER_LIBS := //p' "$ROOT/decoder/build.mk") # the decoder's own
if ! clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined \
	-I"$ROOT/include" -I"$ROOT/format" -I"$ROOT/decoder/read" -I"$ROOT/decoder/timeline" \
	-I"$ROOT/decoder/emit" -I"$ROOT/decoder/cmd" -I"$ROOT/runtime" \
	"$ROOT/tests/fuzz/fuzz_reader.c" $(ls "$ROOT"/decoder/*/*.c | grep -v '/main\.c$') \
	"$ROOT/format/ctr_write.c" "$ROOT/format/out_file.c" "$ROOT/runtime/uprobes.c" \
	$LIBS -o "$FUZZ" >"$WORK/build.log" 2>&1; then
	fail fuzz_reader_build "$(tail -5 "$WORK/build.log")"
	exit 0
fi
pass fuzz_reader_build
mkdir -p "$WORK/corpus" "$WORK/seeds"
python3 "$ROOT/tests/fuzz/make_corpus.py" "$WORK/seeds"
if "$FUZZ" -runs=200000 -max_total_time=30 -max_len=4096 \
	-artifact_prefix="$WORK/" "$WORK/corpus" "$WORK/seeds" \
	>"$WORK/fuzz.log" 2>&1; then
	pass "fuzz_reader ($(grep -o 'Done [0-9]* runs' "$WORK/fuzz.log"))"
else
	crash=$(ls "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* 2>/dev/null | head -1)
	keep=/tmp/ctrail-fuzz-$(date +%s)
	mkdir -p "$keep" && cp "$WORK/fuzz.log" $crash "$keep/" 2>/dev/null
	fail fuzz_reader "crash found; log and input kept in $keep: $(grep -m1 -E 'ERROR|runtime error' "$WORK/fuzz.log")"
fi
