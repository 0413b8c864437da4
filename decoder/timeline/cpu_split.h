/* cpu_split.h - where each thread's time went, from a snapshot's kernel
 * scheduling events (the SCHED chunk, recorded with `ctrail record
 * --sched` or CTRAIL_FTRACE=1): on a CPU, runnable (preempted or woken,
 * waiting for a CPU) or blocked, the last split by the state the thread
 * left the CPU in (S: sleeping, a futex or poll wait; D: uninterruptible,
 * usually I/O; anything else: stopped, traced, dead...).  report --cpu,
 * flame --on-cpu / --off-cpu and scope are built on it.
 *
 * Per thread id, a track: the moments its state changed, in output
 * nanoseconds (time_base_ns of the event's TSC, the clock the function
 * events use), each with the time spent in every state from the origin up
 * to it.  The time in state s during [from, to] is then a difference of
 * two lookups (a binary search each), and as the lookups telescope, the
 * states of any interval add up to exactly to - from: each call's time
 * splits exactly.  Only events naming the thread count (as the switched-out
 * prev_pid, the switched-in next_pid, or the woken pid), so switches of
 * other tasks on the same CPUs are ignored.
 *
 * Before a thread's first event its state is what that event implies
 * (switched out: it was running; switched in: runnable; woken: blocked);
 * a thread with no event at all ran throughout.  Lost events (ctr_sched
 * lost) can make a state wrong until the next event naming the thread. */
#ifndef CPU_SPLIT_H
#define CPU_SPLIT_H

#include <stdint.h>
#include "reader.h"
#include "timebase.h"

enum cpu_state {
	CPU_RUNNING,
	CPU_RUNNABLE,
	CPU_SLEEPING, /* blocked in S */
	CPU_DISK,     /* blocked in D */
	CPU_STOPPED,  /* blocked in any other state */
	CPU_STATES
};

/* "on-cpu", "runnable", "sleeping (S)", "uninterruptible (D)", "stopped". */
const char *cpu_state_name(enum cpu_state s);

/* The three figures the commands print: running, runnable and blocked (the
 * sum of the blocked states) out of one split. */
static inline uint64_t cpu_blocked(const uint64_t ns[CPU_STATES])
{
	return ns[CPU_SLEEPING] + ns[CPU_DISK] + ns[CPU_STOPPED];
}

struct cpu_track;
struct cpu_split;

/* The tracks of every thread of snap, times on tb.  NULL with errno
 * ENODATA when the snapshot has no SCHED chunk, ENOMEM. */
struct cpu_split *cpu_split_new(const struct reader_snapshot *snap,
				const struct time_base *tb);
void cpu_split_free(struct cpu_split *cs);

/* The track of thread tid (of snap's threads; any other tid gets a track
 * that ran throughout). */
const struct cpu_track *cpu_split_track(const struct cpu_split *cs, uint32_t tid);

/* The track's state changes, oldest first: change i is at *ns (the first
 * at 0, the state before the thread's first event) into *state. */
size_t cpu_track_nchanges(const struct cpu_track *t);
void cpu_track_change(const struct cpu_track *t, size_t i, uint64_t *ns,
		      enum cpu_state *state);

/* Time of [from_ns, to_ns] in each state; the entries add up to
 * to_ns - from_ns (0 if to_ns < from_ns). */
void cpu_track_range(const struct cpu_track *t, uint64_t from_ns, uint64_t to_ns,
		     uint64_t ns[CPU_STATES]);

/* The three figures (report --cpu's columns, ingest's) of [from_ns,
 * to_ns], added to split: running, runnable, blocked. */
enum { CPU_SPLIT_ON, CPU_SPLIT_RUNNABLE, CPU_SPLIT_BLOCKED, CPU_SPLITS };
void cpu_track_add_split(const struct cpu_track *t, uint64_t from_ns, uint64_t to_ns,
			 uint64_t split[CPU_SPLITS]);

/* flame --on-cpu / --off-cpu: a stack_tree measure (stack_tree.h) over
 * the track of the thread being walked.  On-CPU, a call counts for its
 * time running.  Off-CPU, for its time runnable or blocked, and each
 * stack gets a leaf per off-CPU state ("[runnable]", "[sleeping (S)]",
 * ...) holding the time it was the innermost frame in that state, so the
 * widths show which stack waited, and why.  Set cs, off; zero the rest. */
struct cpu_flame {
	struct cpu_split *cs;
	int off;
	uint64_t (*below)[CPU_STATES]; /* per depth: the split of the callees */
	size_t cap;
};
struct stack_tree;
uint64_t cpu_flame_measure(void *ctx, struct stack_tree *t, uint32_t node,
			   size_t depth, uint64_t begin_ns, uint64_t end_ns);
void cpu_flame_free(struct cpu_flame *f);

/* The message for a command that needs scheduling events and got a
 * snapshot without them ("what" names the option); prints it and returns
 * -EINVAL (which summary_run takes as already reported). */
int cpu_split_missing(const char *what);

#endif
