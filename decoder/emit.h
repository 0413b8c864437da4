/* emit.h - the output formats of `ctrail convert`.  Each emitter is one
 * file implementing struct emitter_ops (timeline.h) over a context made by
 * its _new function; it only walks what the timeline delivers, never
 * re-reading the file or re-symbolizing.  Emitters write to a file
 * descriptor through their own buffer, so memory does not grow with the
 * number of events. */
#ifndef EMIT_H
#define EMIT_H

#include "timeline.h"

/* Chrome Trace Event JSON (emit_json.c): one "X" complete event per slice
 * and "M" metadata events naming the process and threads. */
extern const struct emitter_ops json_emitter_ops;
void *json_emitter_new(int fd);
/* Flushes what is buffered and frees the emitter.  Returns 0 or the first
 * write error (negative errno) met since it was made. */
int json_emitter_free(void *emitter);

#endif
