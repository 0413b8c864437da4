/* sched_text.h - scheduling events (format/ctr.h, CTR_CHUNK_SCHED) as the
 * kernel's ftrace text prints them, for `ctrail dump` and the
 * systemTraceEvents text of the JSON output, which Perfetto parses:
 *   sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==>
 *                 next_comm=b next_pid=2 next_prio=120
 * Names are cleaned so a line always splits back into key=value words:
 * spaces and '=' become '_'; quotes, backslashes and bytes outside
 * printable ASCII '?' (so lines go into a JSON string unescaped); an empty
 * name is "<...>". */
#ifndef SCHED_TEXT_H
#define SCHED_TEXT_H

#include <stddef.h>
#include "ctr.h"

/* Longest text sched_text_args writes, NUL included. */
#define SCHED_TEXT_MAX 256

/* The event's arguments after "NAME: " (no newline); "" for an unknown
 * type.  out has SCHED_TEXT_MAX bytes.  Returns the length. */
size_t sched_text_args(const struct ctr_sched_event *e, char *out);

/* prev_state as ftrace prints it: "R", "S", "D", "R+", "S|D"...; out has
 * 64 bytes. */
const char *sched_text_state(uint32_t state, char *out);

/* The 4-character flags column: irqs off 'd', need-resched 'N', hardirq
 * 'h' / softirq 's' / both 'H', preempt depth in hex; '.' for none. */
void sched_text_flags(const struct ctr_sched_event *e, char out[5]);

/* A 16-byte comm cleaned as above into out (17 bytes). */
const char *sched_text_comm(const char comm[16], char out[17]);

struct reader_snapshot;

/* The tasks of the snapshot's process that its scheduling events name:
 * the process, its threads, and threads they made (task_newtask with
 * CLONE_THREAD, e.g. the runtime's ctrail-sched reader), as a sorted
 * array of tids (malloc'ed; NULL with *n 0 on no memory). */
int32_t *sched_our_tasks(const struct reader_snapshot *snap, size_t *n);
/* Whether tid is in such an array. */
int sched_task_is_ours(const int32_t *tids, size_t n, int32_t tid);

/* The wakeups of a task still on its CPU (it was about to sleep and did
 * not), which the emitters leave out: they change nothing a viewer shows,
 * and importers take them for a new runnable state (Perfetto's protobuf
 * importer never ends it, its FXT importer cuts the running slice short).
 * Every switch is recorded (runtime/ftrace.c), so a task whose first
 * switch is out of a CPU was on it from the start.  One byte per event of
 * snap->sched, 1 for those; malloc'ed, NULL on no memory. */
uint8_t *sched_wakeups_on_cpu(const struct reader_snapshot *snap);

#endif
