/* formats.c - the table of output formats `ctrail convert` can write; one
 * entry per emitter file.  The first entry is the default. */
#include <string.h>
#include "emit.h"

const struct output_format output_formats[] = {
	{ "json", ".json", "Chrome Trace Event JSON (Perfetto UI, chrome://tracing)",
	  &json_emitter_ops, json_emitter_new, json_emitter_free, 1 },
	{ "fxt", ".fxt", "Fuchsia trace format (Perfetto UI), compact binary",
	  &fxt_emitter_ops, fxt_emitter_new, fxt_emitter_free, 0 },
	{ "perfetto", ".pftrace", "Perfetto protobuf trace (Perfetto UI, trace_processor)",
	  &perfetto_emitter_ops, perfetto_emitter_new, perfetto_emitter_free, 0 },
	{ "folded", ".folded", "folded stacks with exact self ns (flamegraph.pl, speedscope)",
	  &folded_emitter_ops, folded_emitter_new, folded_emitter_free, 0 },
	{ "speedscope", ".speedscope.json", "speedscope evented profiles, one per thread",
	  &speedscope_emitter_ops, speedscope_emitter_new, speedscope_emitter_free, 0 },
	{ "pprof", ".pb.gz", "pprof profile.proto, gzipped (go tool pprof, Pyroscope, Parca)",
	  &pprof_emitter_ops, pprof_emitter_new, pprof_emitter_free, 0 },
	{ 0 },
};

const struct output_format *output_format_named(const char *name)
{
	for (const struct output_format *f = output_formats; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const struct output_format *output_format_of_path(const char *path)
{
	size_t n = strlen(path);
	const struct output_format *best = NULL;

	/* the longest suffix wins: ".speedscope.json" over ".json" */
	for (const struct output_format *f = output_formats; f->name; f++) {
		size_t k = strlen(f->suffix);
		if (n > k && !strcmp(path + n - k, f->suffix) &&
		    (!best || k > strlen(best->suffix)))
			best = f;
	}
	return best;
}
