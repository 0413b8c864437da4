/* ctrail.h - the whole public API of libctrail, the ctrail tracing runtime.
 *
 * A program built with ctrail-cc / ctrail-c++ records every call and return
 * of its instrumented functions into a ring buffer per thread.  Nothing here
 * is needed for that: tracing starts by itself.  These calls let the program
 * decide what to keep: read the clock at the start of something, and if it
 * turned out slow, take a snapshot of the rings since then and write it to
 * a .ctr file for the `ctrail` command to decode.
 *
 * Functions returning int return 0 on success and a negative errno value on
 * failure.  Functions returning a pointer return NULL and set errno.
 * Anything not declared here is not API.
 */
#ifndef CTRAIL_H
#define CTRAIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Keeps a function out of the trace whatever the instrumentation mode. */
#if defined(__clang__)
#define CTRAIL_NO_TRACE \
	__attribute__((no_instrument_function, xray_never_instrument))
#else
#define CTRAIL_NO_TRACE __attribute__((no_instrument_function))
#endif

/* The clock events are stamped with (the TSC), in ticks.  Cheap: one rdtsc. */
uint64_t ctrail_now(void);

/* Ticks per second of ctrail_now().  Found once (CPUID, the hypervisor, the
 * kernel log, or a measurement of a few milliseconds) and cached. */
uint64_t ctrail_ticks_per_second(void);

/* Stop and restart recording in every thread of the process, including
 * threads created while paused.  Pauses nest: each pause needs a resume. */
void ctrail_pause(void);
void ctrail_resume(void);

/* The same for the calling thread only.  A thread records when neither it
 * nor the process is paused. */
void ctrail_thread_pause(void);
void ctrail_thread_resume(void);

/* Gives the calling thread a ring of at least `bytes` (rounded up to a power
 * of two, at least 4 KiB), dropping the events it held.  New threads get the
 * size from CTRAIL_RING_SIZE (default 4 MiB).  -EINVAL, -ENOMEM. */
int ctrail_thread_set_ring_size(size_t bytes);

struct ctrail_snapshot;

/* Copies the rings of all threads, live and recently exited, with the
 * events stamped at or after since_tsc (0: all of them), together with the
 * module map and clock.  Tracing goes on meanwhile; events overwritten
 * while copying are left out, never torn. */
struct ctrail_snapshot *ctrail_snapshot_take(uint64_t since_tsc);

/* Writes a snapshot as a .ctr file at path (NULL: CTRAIL_OUTPUT, or
 * ctrail-%p.ctr; %p is the pid, %n a sequence number).  The file appears
 * whole or not at all: it is written beside and renamed into place. */
int ctrail_snapshot_write(const struct ctrail_snapshot *snap, const char *path);

void ctrail_snapshot_free(struct ctrail_snapshot *snap);

/* Pauses every thread, writes a snapshot of everything to path (NULL as
 * above) and resumes.  What SIGTRAP and CTRAIL_WRITE_AT_EXIT=1 do. */
int ctrail_pause_and_write(const char *path);

#ifdef __cplusplus
}
#endif

#endif
