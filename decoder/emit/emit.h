/* emit.h - the output formats of `ctrail convert`.  Each emitter is one
 * file implementing struct emitter_ops (timeline.h) over a context made by
 * its _new function; it only walks what the timeline delivers, never
 * re-reading the file or re-symbolizing.  Emitters write to a file
 * descriptor through their own buffer, so memory does not grow with the
 * number of events. */
#ifndef EMIT_H
#define EMIT_H

#include "timeline.h"

/* One output format of `ctrail convert`, chosen by --format NAME or by the
 * output file's suffix.  open() makes an emitter writing to fd (NULL on
 * no memory); close() flushes and frees it, returning 0 or the first write
 * error (negative errno) met since it was made. */
struct output_format {
	const char *name;   /* --format value */
	const char *suffix; /* output names ending so pick it: ".json" */
	const char *summary;
	const struct emitter_ops *ops;
	void *(*open)(int fd);
	int (*close)(void *emitter);
	int merges; /* several snapshots may share one file: convert --merge */
};

/* The formats, ended by an entry with a NULL name (formats.c). */
extern const struct output_format output_formats[];

/* By --format name, or NULL. */
const struct output_format *output_format_named(const char *name);
/* The format whose suffix ends path, or NULL. */
const struct output_format *output_format_of_path(const char *path);

/* Chrome Trace Event JSON (emit_json.c): one "X" complete event per slice
 * and "M" metadata events naming the process and threads. */
extern const struct emitter_ops json_emitter_ops;
void *json_emitter_new(int fd);
/* Flushes what is buffered and frees the emitter.  Returns 0 or the first
 * write error (negative errno) met since it was made. */
int json_emitter_free(void *emitter);

/* Fuchsia trace format (emit_fxt.c): raw TSC ticks, interned strings and
 * threads, one duration complete event per slice. */
extern const struct emitter_ops fxt_emitter_ops;
void *fxt_emitter_new(int fd);
int fxt_emitter_free(void *emitter);

/* Perfetto protobuf TracePackets (emit_perfetto.c): a track per process
 * and thread, interned slice begin/end events, incremental timestamps. */
extern const struct emitter_ops perfetto_emitter_ops;
void *perfetto_emitter_new(int fd);
int perfetto_emitter_free(void *emitter);

/* Folded stacks "a;b;c SELF_NS", merged across threads (emit_folded.c). */
extern const struct emitter_ops folded_emitter_ops;
void *folded_emitter_new(int fd);
int folded_emitter_free(void *emitter);

/* speedscope's evented profiles, one per thread (emit_speedscope.c). */
extern const struct emitter_ops speedscope_emitter_ops;
void *speedscope_emitter_new(int fd);
int speedscope_emitter_free(void *emitter);

/* pprof's profile.proto, gzipped: a sample per call stack with calls,
 * total and self ns (emit_pprof.c). */
extern const struct emitter_ops pprof_emitter_ops;
void *pprof_emitter_new(int fd);
int pprof_emitter_free(void *emitter);

#endif
