/* runtime.h - what the runtime's files share with each other (not API).
 *
 * Threads: every traced thread has a struct ctrail_thread in the registry,
 * a list guarded by registry_lock.  A live thread's ring is reached through
 * its TLS block; when the thread exits, its record moves to the exited list
 * with the final write count, and stays there until the next snapshot (at
 * most CTRAIL_MAX_EXITED of them; older ones are freed and counted). */
#ifndef CTRAIL_RUNTIME_H
#define CTRAIL_RUNTIME_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "ctr.h"
#include "tls.h"

#define HIDDEN __attribute__((visibility("hidden")))

struct ctrail_thread {
	struct ctrail_thread *next;
	struct ctrail_tls *tls; /* NULL once exited */
	char *ring;
	uint64_t size;          /* bytes, a power of two */
	uint64_t final_off;     /* tls->off at exit */
	pid_t tid;
	int paused;             /* ctrail_thread_pause() depth */
	int is_main;
	char name[16];          /* read at exit; live threads are asked at snapshot */
	pthread_t handle;
	void *(*start_fn)(void *); /* what our pthread_create was asked to run */
	void *start_arg;
};

/* thread.c */
HIDDEN extern pthread_mutex_t registry_lock;
HIDDEN extern struct ctrail_thread *live_threads, *exited_threads;
HIDDEN extern uint32_t dropped_threads;
HIDDEN extern uint64_t dropped_events;
HIDDEN void threads_init(void);
HIDDEN void thread_start(void);
HIDDEN void threads_pause_all(int delta);
HIDDEN uint64_t thread_off(const struct ctrail_thread *t);
/* 1 if t is on the live or the exited list (registry_lock held). */
HIDDEN int thread_listed(const struct ctrail_thread *t);
/* Frees the exited threads of done[] still on the exited list (a
 * snapshot holds them) and takes threads and events off the dropped
 * counts (the snapshot reported them). */
HIDDEN void threads_forget(struct ctrail_thread *const *done, size_t n,
			   uint32_t threads, uint64_t events);
HIDDEN extern int (*real_pthread_create)(pthread_t *, const pthread_attr_t *,
				  void *(*)(void *), void *);

/* hooks.c: the first event of a thread that has no ring yet, and the
 * unwinding events recorded by unwind.c. */
HIDDEN void ctrail_first_event(uint64_t word);
HIDDEN void ring_put_kind(unsigned kind, uintptr_t addr);

/* events.c: an event with n continuation slots (format/ctr.h), as the
 * custom events are written. */
HIDDEN void ring_put_slots(unsigned kind, const void *str, unsigned n,
			   const uint64_t *payload);

/* signals.c: the real sigaction, for the runtime's own handlers and for
 * code that must not see the program's handlers wrapped. */
HIDDEN int real_sigaction(int sig, const struct sigaction *act,
			  struct sigaction *old);

/* clock.c */
HIDDEN void clock_init(void);
HIDDEN void clock_fill(struct ctr_clock *c);

/* modules.c: the map of loaded objects, refreshed from dl_iterate_phdr. */
struct module_record {
	struct ctr_module hdr;
	struct ctr_segment *segs;
	uint8_t build_id[64];
	char *path;    /* absolute */
	uint32_t seen; /* the refresh that last found it loaded */
	char *loader_name; /* the loader's name when not path (relative); NULL in copies */
};
HIDDEN void modules_refresh(void);
HIDDEN int modules_copy(struct module_record **out, uint32_t *n);
HIDDEN void modules_free(struct module_record *m, uint32_t n);

/* ctrfile.c: the output path, the chunks describing the process and the
 * tmp+rename of every .ctr file the runtimes write. */
struct ctr_writer;
struct process_chunks {
	struct ctr_process proc;
	char *exe, *cmdline; /* proc.exe_size and proc.cmdline_size bytes */
	struct ctr_clock clock;
	struct ctr_sysinfo sys; /* uname(); sysname empty if it failed */
	struct module_record *mods;
	uint32_t nmods;
};
HIDDEN int process_chunks_take(struct process_chunks *p);
HIDDEN void process_chunks_free(struct process_chunks *p);
/* PROCESS, CLOCK, SYSINFO and the MODULE chunks. */
HIDDEN int process_chunks_write(struct ctr_writer *w, const struct process_chunks *p);
/* Writes pattern (%p %n %% expanded) through out_file.h: the file header,
 * body's chunks and the END chunk.  One file at a time per process.  Once
 * the process exits (ctr_file_exit_wait), only the exiting thread may
 * write: -ECANCELED for the others, -ETIMEDOUT after the wait ran out. */
HIDDEN int ctr_file_write(const char *pattern,
			  int (*body)(struct ctr_writer *w, const void *arg),
			  const void *arg);
/* Every exit path calls this first: waits (config.exit_wait_ns at most)
 * for a SIGTRAP still being answered and a file still being written, or
 * gives up on it, removing its temporary, with one line on stderr. */
HIDDEN void ctr_file_exit_wait(void);
/* In a forked child: no file is being written. */
HIDDEN void ctr_file_after_fork(void);

/* sigtrap.c: SIGTRAP wakes a helper thread, made with create(), that
 * calls fire(); enter() (may be NULL) runs first in that thread. */
struct sigtrap_trigger {
	void (*fire)(void);
	void (*enter)(void);
	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
};
HIDDEN void sigtrap_init(const struct sigtrap_trigger *t);
/* In a forked child: a new helper, if the parent had one. */
HIDDEN void sigtrap_after_fork(void);
/* 1 while a SIGTRAP received has not been answered by a snapshot. */
HIDDEN int sigtrap_busy(void);
/* Starts the helper if need be and returns the handler that wakes it with
 * the signal's number (record.c), or NULL if no helper could start. */
HIDDEN void (*sigtrap_handler(void))(int);

/* record.c: one output file per process, the status file and writing on
 * SIGHUP/SIGINT/SIGTERM for a supervisor (ctrail record).  record_init
 * runs after config_init and sigtrap_init; record_status reports one
 * attempt to write path (rc: 0 or -errno); record_signal_done, in the
 * helper thread after the snapshot for sig, lets sig kill the process. */
HIDDEN void record_init(void);
HIDDEN void record_status(const char *path, int rc);
HIDDEN void record_signal_done(int sig);

/* stackcap.c: a live thread's registers and stack top for the STACK
 * chunk.  The signal is the runtime's own, never the program's: handled
 * with the real sigaction, kept out of what the program is told about. */
#define CTRAIL_STACK_SIGNAL (SIGRTMAX - 1)
/* Fills out (tid set either way) and *bytes (malloc'd, out->size bytes):
 * 0, 0 with CTR_STACK_MISSING in out->flags when the thread did not
 * answer within 20 ms or what is left of *wait_ns (the snapshot's budget
 * for waiting, which the call spends; with none left no thread is asked),
 * -ENOSYS when capture is off, -ENOMEM. */
#define STACK_WAIT_NS (UINT64_C(200) * 1000 * 1000)
HIDDEN int stack_capture(const struct ctrail_thread *t, struct ctr_stack *out,
			 void **bytes, uint64_t *wait_ns);

/* init.c: starts the runtime once (idempotent). */
HIDDEN void runtime_init(void);

/* snapshot.c */
struct ctrail_snapshot;
HIDDEN int snapshot_write_default(uint32_t reason);
/* stacks: take every live thread's stack too (ctrail_snapshot_take; not
 * the kept flow occurrences) */
HIDDEN struct ctrail_snapshot *snapshot_take(uint64_t since_tsc, int self_only,
					     int stacks);
HIDDEN int snapshot_name(struct ctrail_snapshot *s, const char *name,
			 uint32_t reason, uint64_t duration);
HIDDEN void snapshot_rank(struct ctrail_snapshot *s, uint32_t rank);
HIDDEN uint64_t snapshot_duration(const struct ctrail_snapshot *s);
/* Writes several snapshots into one file, as ctrail_snapshot_write. */
HIDDEN int snapshots_write(const char *path, struct ctrail_snapshot **snaps,
			   size_t n);

/* flows.c: the kept slow occurrences.  flows_hold locks them and returns
 * first (if not NULL) followed by all of them, *n in all; flows_release
 * unlocks and frees the array (NULL is fine). */
HIDDEN struct ctrail_snapshot **flows_hold(struct ctrail_snapshot *first, size_t *n);
HIDDEN void flows_release(struct ctrail_snapshot **list);

/* ftrace.c: the kernel's scheduling events (CTRAIL_FTRACE=1 or
 * ctrail_sched_start).  sched_start prints one warning line on failure when
 * warn is set.  sched_copy gives the events stamped at or after since,
 * sorted by time, in a malloc'd array (NULL and 0 when scheduling events
 * were never collected); 0 or -ENOMEM. */
HIDDEN int sched_start(int warn);
HIDDEN int sched_copy(uint64_t since, struct ctr_sched *hdr,
		      struct ctr_sched_event **out);
/* Events the kernel dropped from the instance's buffers (any kind). */
HIDDEN uint64_t sched_kernel_lost(void);

/* probes.c: CTRAIL_PROBES, uprobes in ftrace.c's instance.  probes_setup
 * (a no-op without CTRAIL_PROBES) prints one line on failure and returns
 * -ECANCELED; probes_put
 * takes a trace record that is not a scheduling event; probes_remove is
 * async-signal-safe.  probes_copy is as sched_copy, for the PROBES chunk. */
HIDDEN int probes_setup(const char *root, const char *instance);
HIDDEN void probes_put(const uint8_t *rec, uint32_t len, uint64_t tsc, uint16_t cpu);
HIDDEN void probes_remove(void);
HIDDEN int probes_copy(uint64_t since, uint64_t kernel_lost, struct ctr_probes *hdr,
		       struct ctr_probe_event **out);

/* config.c: settings read from the environment once at start. */
struct ctrail_config {
	uint64_t ring_size;
	uint32_t max_exited;
	int write_at_exit;
	uint64_t exit_wait_ns; /* CTRAIL_EXIT_WAIT */
	const char *output;    /* a copy, never the environment's string */
	const char *tracefs;   /* CTRAIL_TRACEFS, "" when unset */
	int ftrace;            /* CTRAIL_FTRACE=1 */
	uint64_t sched_events; /* CTRAIL_SCHED_EVENTS */
	uint64_t stack_bytes;  /* CTRAIL_STACK_BYTES: 0 takes no stacks */
	const char *probes;    /* CTRAIL_PROBES, NULL if unset */
	uint64_t probe_events; /* CTRAIL_PROBE_EVENTS */
};
HIDDEN extern struct ctrail_config config;
HIDDEN void config_init(void);
HIDDEN uint64_t ring_size_round(uint64_t bytes);

#endif
