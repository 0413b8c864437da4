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

/* Writes a snapshot of every thread to path (NULL as above), followed by
 * the kept occurrences of every flow.  What SIGTRAP and
 * CTRAIL_WRITE_AT_EXIT=1 do.  Despite the name, nothing is paused any
 * more: every thread records on while the rings are copied one at a time
 * straight into the file (extra memory: about one ring), and each ring
 * ends where it was copied.  (Pausing left a hole in every ring, which
 * the next snapshot showed as calls that lasted across it.) */
int ctrail_pause_and_write(const char *path);

/* Starts collecting the kernel's scheduling events of this process and its
 * children (what CTRAIL_FTRACE=1 does at start), so snapshots also show
 * when each thread ran, waited for the CPU, or slept.  Needs write access
 * to tracefs (/sys/kernel/tracing, or CTRAIL_TRACEFS).  Returns 0 (also
 * when already collecting), or a negative errno: -EACCES/-EPERM without
 * permission, -ENOENT without tracefs.  Prints nothing; function tracing
 * goes on either way. */
int ctrail_sched_start(void);

/* ---- Keeping the slowest occurrences of a flow ----
 *
 *	static struct ctrail_flow *requests;
 *	if (!requests) requests = ctrail_flow_new("request", 5, 0);
 *	uint64_t start = ctrail_now();
 *	handle(request);
 *	ctrail_flow_end(requests, start);
 *
 * Each flow keeps snapshots of its `keep` slowest occurrences so far, each
 * holding only the occurrence's time window [start, end].  They are written
 * into one .ctr, one snapshot per occurrence named after its flow with its
 * duration and rank: by ctrail_flows_write(), and at exit to CTRAIL_OUTPUT
 * (with the exit snapshot when CTRAIL_WRITE_AT_EXIT=1), and on SIGTRAP
 * after the full snapshot. */
struct ctrail_flow;

/* Snapshots hold every thread's events instead of only the thread that
 * ends the occurrence. */
#define CTRAIL_FLOW_ALL_THREADS 1u

/* A new flow; flows live until exit.  NULL and errno EINVAL or ENOMEM. */
struct ctrail_flow *ctrail_flow_new(const char *name, unsigned keep, unsigned flags);

/* Ends an occurrence that began at `start` (a ctrail_now() value).  Returns
 * 1 if it was kept, 0 if not (then it cost one clock read and a
 * comparison), or a negative errno.  Safe from several threads at once. */
int ctrail_flow_end(struct ctrail_flow *flow, uint64_t start);

/* Writes every kept occurrence of every flow into one file at path (NULL:
 * CTRAIL_OUTPUT).  Writes nothing when none was kept. */
int ctrail_flows_write(const char *path);

/* ---- Fibers ----
 *
 * For schedulers that switch stacks themselves (Boost.Context, hand-written
 * assembly; ucontext's swapcontext and setcontext are followed without
 * help): call ctrail_fiber_switch right before every switch, on the stack
 * being left, with the id of the fiber about to run.  Every event until the
 * next switch is filed under that fiber, which the decoder gives a stack
 * and a track of its own.  Id 0 is the thread's own stack (the scheduler's,
 * usually); any other 64-bit value names one fiber for the whole trace.
 * name (may be NULL: "fiber 0x..." then) must be a string literal or other
 * read-only string, as for custom events below; the first name given for
 * an id is kept.  One event: about the cost of a traced call. */
void ctrail_fiber_switch(uint64_t id, const char *name);

/* ---- Custom events ----
 *
 * Recorded in the calling thread's ring next to its calls, formatted only
 * when decoded.  Every string (format or name) must be a string literal or
 * another string in the program's read-only data: only its address is
 * recorded, and the decoder reads it from the binary.
 *
 * CTRAIL_LOG(fmt, ...): a delayed printf, up to 8 arguments, each stored as
 * a raw 64-bit word (integers, pointers, float and double; %s only for
 * pointers to string literals).  C++ and C11 (_Generic) pick the word. */
void ctrail_log(const char *fmt, unsigned nargs, const uint64_t *args);
void ctrail_counter(const char *name, int64_t value);
void ctrail_instant(const char *name);
void ctrail_arrow(const char *name, uint64_t id, int end);

/* A counter track: CTRAIL_COUNTER("queue depth", n). */
#define CTRAIL_COUNTER(name, value) ctrail_counter(name, (int64_t)(value))
/* An instant event: CTRAIL_INSTANT("cache flushed"). */
#define CTRAIL_INSTANT(name) ctrail_instant(name)
/* Flow arrows: from the event where CTRAIL_FLOW_BEGIN(id) runs to the one
 * where CTRAIL_FLOW_END(id) runs, on any thread.  Named after the function
 * they are in. */
#define CTRAIL_FLOW_BEGIN(id) ctrail_arrow(__func__, (uint64_t)(id), 0)
#define CTRAIL_FLOW_END(id) ctrail_arrow(__func__, (uint64_t)(id), 1)

#define CTRAIL_LOG(fmt, ...)                                                  \
	ctrail_log(fmt, CTRAIL_NARGS_(__VA_ARGS__),                           \
		   CTRAIL_WORDS_(CTRAIL_NARGS_(__VA_ARGS__), ##__VA_ARGS__))

/* The helpers below turn CTRAIL_LOG's arguments into raw words; kept out
 * of the trace, or -finstrument-functions would record a call per
 * argument. */
#ifdef __cplusplus
}

CTRAIL_NO_TRACE static inline uint64_t ctrail_word_(double x)
{
	union { double d; uint64_t u; } v = { x };
	return v.u;
}
CTRAIL_NO_TRACE static inline uint64_t ctrail_word_(float x) { return ctrail_word_((double)x); }
CTRAIL_NO_TRACE static inline uint64_t ctrail_word_(const void *p) { return (uint64_t)(uintptr_t)p; }
template <typename T> CTRAIL_NO_TRACE static inline uint64_t ctrail_word_(T x) { return (uint64_t)x; }
#define CTRAIL_WORD_(x) ctrail_word_(x)
#define CTRAIL_ARRAY_(...) (std::initializer_list<uint64_t>{ __VA_ARGS__ }.begin())
#include <initializer_list>
#else
CTRAIL_NO_TRACE static inline uint64_t ctrail_word_d_(double x)
{
	union { double d; uint64_t u; } v = { x };
	return v.u;
}
CTRAIL_NO_TRACE static inline uint64_t ctrail_word_p_(const void *p) { return (uint64_t)(uintptr_t)p; }
CTRAIL_NO_TRACE static inline uint64_t ctrail_word_i_(uint64_t x) { return x; }
#define CTRAIL_WORD_(x) _Generic((x),                                        \
	float: ctrail_word_d_, double: ctrail_word_d_,                        \
	char *: ctrail_word_p_, const char *: ctrail_word_p_,                 \
	void *: ctrail_word_p_, const void *: ctrail_word_p_,                 \
	default: ctrail_word_i_)(x)
#define CTRAIL_ARRAY_(...) ((const uint64_t[]){ __VA_ARGS__ })
#endif

/* Argument counting and mapping for CTRAIL_LOG (0 to 8 arguments; more
 * fail to compile naming CTRAIL_WORDS_CTRAIL_LOG_TAKES_AT_MOST_8_ARGUMENTS). */
#define CTRAIL_TOO_MANY_ CTRAIL_LOG_TAKES_AT_MOST_8_ARGUMENTS
#define CTRAIL_NARGS_(...)                                                    \
	CTRAIL_NTH_(_, ##__VA_ARGS__, CTRAIL_TOO_MANY_, CTRAIL_TOO_MANY_,     \
		    CTRAIL_TOO_MANY_, CTRAIL_TOO_MANY_, CTRAIL_TOO_MANY_,     \
		    CTRAIL_TOO_MANY_, CTRAIL_TOO_MANY_, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define CTRAIL_NTH_(_, a, b, c, d, e, f, g, h, i, j, k, l, m, n2, o, n, ...) n
#define CTRAIL_WORDS_(n, ...) CTRAIL_CAT_(CTRAIL_WORDS_, n)(__VA_ARGS__)
#define CTRAIL_CAT_(a, b) CTRAIL_CAT2_(a, b)
#define CTRAIL_CAT2_(a, b) a##b
#define CTRAIL_WORDS_0() ((const uint64_t *)0)
#define CTRAIL_WORDS_1(a) CTRAIL_ARRAY_(CTRAIL_WORD_(a))
#define CTRAIL_WORDS_2(a, b) CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b))
#define CTRAIL_WORDS_3(a, b, c) \
	CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b), CTRAIL_WORD_(c))
#define CTRAIL_WORDS_4(a, b, c, d) \
	CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b), CTRAIL_WORD_(c), CTRAIL_WORD_(d))
#define CTRAIL_WORDS_5(a, b, c, d, e) \
	CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b), CTRAIL_WORD_(c), CTRAIL_WORD_(d), \
		      CTRAIL_WORD_(e))
#define CTRAIL_WORDS_6(a, b, c, d, e, f) \
	CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b), CTRAIL_WORD_(c), CTRAIL_WORD_(d), \
		      CTRAIL_WORD_(e), CTRAIL_WORD_(f))
#define CTRAIL_WORDS_7(a, b, c, d, e, f, g) \
	CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b), CTRAIL_WORD_(c), CTRAIL_WORD_(d), \
		      CTRAIL_WORD_(e), CTRAIL_WORD_(f), CTRAIL_WORD_(g))
#define CTRAIL_WORDS_8(a, b, c, d, e, f, g, h) \
	CTRAIL_ARRAY_(CTRAIL_WORD_(a), CTRAIL_WORD_(b), CTRAIL_WORD_(c), CTRAIL_WORD_(d), \
		      CTRAIL_WORD_(e), CTRAIL_WORD_(f), CTRAIL_WORD_(g), CTRAIL_WORD_(h))

#endif
