/* probes.c - CTRAIL_PROBES: functions of any ELF file the process maps,
 * probed with uprobes and uretprobes whose events the kernel records in
 * ftrace.c's instance (same buffers, same x86-tsc clock, same filter to
 * our threads and children).
 *
 * Resolution happens here, in the process, when the runtime starts: the
 * libraries the SPEC names by file name are mapped by then, /proc/self/maps
 * says where they are, and the same rule holds whether the program was
 * started by `ctrail record --probe` or with CTRAIL_PROBES by hand.  The
 * symbol tables are read with libelf opened by dlopen (uprobes.c), so
 * libctrail itself links no elfutils.
 *
 * ftrace.c hands every record that is not a scheduling event to
 * probes_put, which keeps ours in a bounded ring of struct
 * ctr_probe_event (CTRAIL_PROBE_EVENTS of them, oldest overwritten) under
 * probe_lock; probes_copy gives a snapshot the events since a time, sorted.
 * The probes are removed after the instance (which disables them), at
 * exit and on a fatal signal, by ftrace.c's teardown calling
 * probes_remove; ones left by a SIGKILLed process are removed at the next
 * start (tracefs_stale_remove). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime.h"
#include "uprobes.h"

static struct uprobe_set set;
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctr_probe_event *ring;
static uint64_t ring_cap, ring_written;

/* A forked child does not own the parent's probes, and its snapshots hold
 * no PROBES events of the parent's (its own go to the parent's instance).
 * The lock is made anew: another thread may have held it in probes_copy
 * at the fork (the reader cannot: it takes it under sched_lock, which
 * ftrace.c holds across fork). */
static void fork_child(void)
{
	pthread_mutex_init(&probe_lock, NULL);
	ring_written = 0;
}

static void atfork_install(void)
{
	pthread_atfork(NULL, NULL, fork_child);
}

int probes_setup(const char *root, const char *instance)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int rc;

	if (!config.probes)
		return 0;
	uprobes_free(&set);
	rc = uprobes_resolve(&set, config.probes, getpid());
	if (!rc)
		rc = uprobes_define(&set, root, getpid());
	if (!rc)
		rc = uprobes_enable(&set, instance);
	ring_cap = config.probe_events;
	if (!rc && !ring && !(ring = calloc(ring_cap, sizeof(*ring))))
		rc = -ENOMEM;
	if (!rc)
		return pthread_once(&once, atfork_install), 0;
	fprintf(stderr, "ctrail: CTRAIL_PROBES: %s\n", set.err[0] ? set.err : strerror(-rc));
	return -ECANCELED; /* said: sched_start adds nothing */
}

void probes_put(const uint8_t *rec, uint32_t len, uint64_t tsc, uint16_t cpu)
{
	struct ctr_probe_event *e;
	uint64_t word;

	if (!ring || !uprobes_decode(&set, rec, len, &word))
		return;
	pthread_mutex_lock(&probe_lock);
	e = &ring[ring_written++ % ring_cap];
	e->tsc = tsc;
	e->word = word;
	memcpy(&e->tid, rec + 4, 4); /* common_pid: the thread */
	e->cpu = cpu;
	pthread_mutex_unlock(&probe_lock);
}

void probes_remove(void)
{
	uprobes_remove(&set);
}

/* Time order; the per-CPU runs are each in order, and one thread's
 * events never share a stamp (each is a trap into the kernel). */
static int by_tsc(const void *a, const void *b)
{
	const struct ctr_probe_event *x = a, *y = b;

	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int probes_copy(uint64_t since, uint64_t kernel_lost, struct ctr_probes *hdr,
		struct ctr_probe_event **out)
{
	uint64_t first, n = 0;

	*out = NULL;
	if (!ring)
		return 0;
	pthread_mutex_lock(&probe_lock);
	first = ring_written > ring_cap ? ring_written - ring_cap : 0;
	*out = malloc((ring_written - first) * sizeof(**out) + 1);
	for (uint64_t i = first; *out && i < ring_written; i++)
		if (ring[i % ring_cap].tsc >= since)
			(*out)[n++] = ring[i % ring_cap];
	memset(hdr, 0, sizeof(*hdr));
	hdr->nevents = n;
	hdr->lost = first + kernel_lost;
	hdr->nprobes = set.n;
	pthread_mutex_unlock(&probe_lock);
	if (!*out)
		return -ENOMEM;
	qsort(*out, n, sizeof(**out), by_tsc);
	return 0;
}
