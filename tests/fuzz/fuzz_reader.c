/* fuzz_reader.c - libFuzzer target over the whole decode path: the reader,
 * then for every snapshot the timeline and the JSON emitter writing to
 * /dev/null.  Built by tests/e2e/fuzz_reader.sh with
 * clang -fsanitize=fuzzer,address,undefined; seeds come from
 * tests/fuzz/make_corpus.py.
 *
 * Modules are not given to the symbolizer: their paths come from the
 * input, and the fuzzer must not open arbitrary files; every address is
 * then an unknown symbol, which still drives every timeline rule that does
 * not need a function start (returns match the top frame). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emit.h"
#include "reader.h"

static int devnull = -1;

static void decode(const struct reader_snapshot *snap)
{
	struct symbolizer *syms = symbolizer_new();
	void *json = json_emitter_new(devnull);
	struct timeline_stats *stats = calloc(snap->nthreads + 1, sizeof(*stats));
	struct time_base tb;
	struct timeline tl;

	time_base_init(&tb, snap, snap->hdr->reason & 1);
	timeline_init(&tl, syms, &json_emitter_ops, json);
	/* A window from the input, so held-back begins are exercised too. */
	tl.from_tsc = snap->hdr->since_tsc;
	timeline_snapshot(&tl, snap, &tb, NULL, NULL, stats);
	timeline_free(&tl);
	json_emitter_free(json);
	free(stats);
	symbolizer_free(syms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t *copy = malloc(size + 8); /* the reader wants 8-byte alignment */
	struct reader r;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	memcpy(copy, data, size);
	if (reader_load(&r, copy, size) == 0)
		for (size_t i = 0; i < r.nsnapshots; i++)
			decode(&r.snapshots[i]);
	reader_close(&r);
	free(copy);
	return 0;
}
