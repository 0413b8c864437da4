/* snapshot.c - copies the rings into a snapshot and writes it as a .ctr
 * file (format/ctr.h).
 *
 * A ring is copied while its thread may still be writing.  We read the
 * thread's write offset (n1 events written), copy the last events before
 * it, then read the offset again (n2).  Any slot the writer may have reused
 * meanwhile - up to event n2, which may be half written - held an event
 * older than n2 + 1 - capacity; those are dropped from the front, so what
 * remains was stable for the whole copy.  No lock is shared with writers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctrail.h"
#include "ctr_write.h"
#include "runtime.h"
#include "state.h"

#define EV sizeof(struct ctr_event)

struct snap_thread {
	struct ctr_thread hdr;
	struct ctr_event *events;
	struct ctr_stack stack; /* stack.tid == 0: no STACK chunk */
	void *stack_bytes;
};

struct ctrail_snapshot {
	struct ctr_snapshot hdr;
	char *name; /* hdr.name_size bytes, or NULL */
	struct process_chunks process;
	struct snap_thread *threads;
	uint32_t nthreads;
	struct ctr_sched sched_hdr;    /* ftrace.c */
	struct ctr_sched_event *sched; /* NULL: no SCHED chunk */
};

/* The first index in [lo, hi) whose event is stamped at or after tsc. */
static uint64_t first_since(const char *ring, uint64_t mask, uint64_t lo,
			    uint64_t hi, uint64_t tsc)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct ctr_event *e = (const void *)(ring + ((mid * EV) & mask));
		if (CTR_SLOT_TSC(e->tsc) < tsc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int copy_ring(struct snap_thread *out, const struct ctrail_thread *t,
		     uint64_t since)
{
	uint64_t cap = t->size / EV, mask = t->size - 1;
	uint64_t n1 = thread_off(t) / EV;
	uint64_t lo = ring_first_stable(n1, cap, 0);
	uint64_t from = since ? first_since(t->ring, mask, lo, n1, since) : lo;
	/* events before lo were overwritten, but if the time cut falls inside
	 * the ring they were older than it anyway */
	uint64_t lost = from > lo ? 0 : lo;
	uint64_t n = n1 - from, first_part, stable;

	out->events = malloc(n ? n * EV : 1);
	if (!out->events)
		return -ENOMEM;
	first_part = cap - (from % cap);
	if (first_part > n)
		first_part = n;
	memcpy(out->events, t->ring + (from * EV & mask), first_part * EV);
	memcpy(out->events + first_part, t->ring, (n - first_part) * EV);
	/* another live thread may be midway through its next event */
	stable = ring_first_stable(thread_off(t) / EV, cap,
				   t->tls && t->tls != &ctrail_tls);
	if (stable > from) {
		uint64_t skip = stable - from < n ? stable - from : n;
		memmove(out->events, out->events + skip, (n - skip) * EV);
		n -= skip;
		lost += skip;
	}
	out->hdr.tid = t->tid;
	out->hdr.flags = (t->tls ? 0 : CTR_THREAD_EXITED) | (t->is_main ? CTR_THREAD_MAIN : 0);
	if (t->tls)
		pthread_getname_np(t->handle, out->hdr.name, sizeof(out->hdr.name));
	else
		memcpy(out->hdr.name, t->name, sizeof(out->hdr.name));
	out->hdr.capacity = cap;
	out->hdr.written = n1;
	out->hdr.overwritten = lost;
	out->hdr.nevents = n;
	return 0;
}

/* One thread's step: its stack first (a live one's, when wanted), then its
 * ring, so the ring holds the moment the registers were taken. */
static int copy_thread(struct snap_thread *out, const struct ctrail_thread *t,
		       uint64_t since, int want_stack)
{
	int rc = 0;

	if (t->tls && want_stack &&
	    (rc = stack_capture(t, &out->stack, &out->stack_bytes)) == -ENOSYS) {
		memset(&out->stack, 0, sizeof(out->stack));
		rc = 0;
	}
	if (!rc)
		rc = copy_ring(out, t, since);
	if (rc)
		free(out->stack_bytes);
	return rc;
}

static uint32_t count(const struct ctrail_thread *t)
{
	uint32_t n = 0;

	for (; t; t = t->next)
		n++;
	return n;
}

/* Copies every thread's ring, or only the calling thread's when
 * SNAPSHOT_SELF_ONLY (then without stacks). */
static int copy_threads(struct ctrail_snapshot *s, uint64_t since, int flags)
{
	int self_only = flags & SNAPSHOT_SELF_ONLY;

	int rc = 0;

	pthread_mutex_lock(&registry_lock);
	s->threads = calloc(count(live_threads) + count(exited_threads) + 1,
			    sizeof(*s->threads));
	if (!s->threads)
		rc = -ENOMEM;
	for (int l = 0; l < 2 && !rc; l++)
		for (struct ctrail_thread *t = l ? exited_threads : live_threads;
		     t && !rc; t = t->next)
			if (self_only && t->tls != &ctrail_tls)
				continue;
			else if (!(rc = copy_thread(&s->threads[s->nthreads], t, since,
						    !self_only && !((flags & SNAPSHOT_NO_OWN_STACK) &&
								    t->tls == &ctrail_tls))))
				s->nthreads++;
	s->hdr.dropped_threads = dropped_threads;
	s->hdr.dropped_events = dropped_events;
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

struct ctrail_snapshot *ctrail_snapshot_take(uint64_t since_tsc)
{
	return snapshot_take(since_tsc, 0);
}

struct ctrail_snapshot *snapshot_take(uint64_t since_tsc, int flags)
{
	struct ctrail_snapshot *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->hdr.since_tsc = since_tsc;
	s->hdr.taken_tsc = ctrail_now();
	s->hdr.reason = CTR_REASON_API;
	modules_refresh();
	rc = copy_threads(s, since_tsc, flags);
	if (!rc)
		rc = sched_copy(since_tsc, &s->sched_hdr, &s->sched);
	if (!rc)
		rc = process_chunks_take(&s->process);
	if (rc) {
		ctrail_snapshot_free(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

void ctrail_snapshot_free(struct ctrail_snapshot *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nthreads; i++) {
		free(s->threads[i].events);
		free(s->threads[i].stack_bytes);
	}
	free(s->threads);
	free(s->sched);
	process_chunks_free(&s->process);
	free(s->name);
	free(s);
}

int snapshot_name(struct ctrail_snapshot *s, const char *name, uint32_t reason,
		  uint64_t duration)
{
	free(s->name);
	if (!(s->name = strdup(name)))
		return -ENOMEM;
	s->hdr.name_size = strlen(name);
	s->hdr.reason = reason;
	s->hdr.duration_tsc = duration;
	return 0;
}

void snapshot_rank(struct ctrail_snapshot *s, uint32_t rank)
{
	s->hdr.rank = rank;
}

uint64_t snapshot_duration(const struct ctrail_snapshot *s)
{
	return s->hdr.duration_tsc;
}

/* One snapshot's chunks, from SNAPSHOT to its last THREAD. */
static int write_chunks(struct ctr_writer *w, const struct ctrail_snapshot *s)
{
	struct iovec v[2];
	int rc;

	v[0] = (struct iovec){ (void *)&s->hdr, sizeof(s->hdr) };
	v[1] = (struct iovec){ s->name, s->hdr.name_size };
	if ((rc = ctr_write_chunk(w, CTR_CHUNK_SNAPSHOT, v, 2)) ||
	    (rc = process_chunks_write(w, &s->process)))
		return rc;
	for (uint32_t i = 0; i < s->nthreads; i++)
		if ((rc = ctr_write_thread(w, &s->threads[i].hdr, s->threads[i].events)) ||
		    (s->threads[i].stack.tid &&
		     (rc = ctr_write_stack(w, &s->threads[i].stack, s->threads[i].stack_bytes))))
			return rc;
	if (s->sched) {
		v[0] = (struct iovec){ (void *)&s->sched_hdr, sizeof(s->sched_hdr) };
		v[1] = (struct iovec){ s->sched, s->sched_hdr.nevents * sizeof(*s->sched) };
		if ((rc = ctr_write_chunk(w, CTR_CHUNK_SCHED, v, 2)))
			return rc;
	}
	return 0;
}

struct snapshot_list {
	struct ctrail_snapshot *const *snaps;
	size_t n;
};

static int write_list(struct ctr_writer *w, const void *arg)
{
	const struct snapshot_list *l = arg;
	int rc = 0;

	for (size_t i = 0; i < l->n && !rc; i++)
		rc = write_chunks(w, l->snaps[i]);
	return rc;
}

int snapshots_write(const char *path, struct ctrail_snapshot *const *snaps, size_t n)
{
	struct snapshot_list l = { snaps, n };

	return ctr_file_write(path ? path : config.output, write_list, &l);
}

int ctrail_snapshot_write(const struct ctrail_snapshot *s, const char *path)
{
	struct ctrail_snapshot *one = (struct ctrail_snapshot *)s;

	return s ? snapshots_write(path, &one, 1) : -EINVAL;
}

/* Everything now, followed by the kept occurrences of every flow. */
static int pause_and_write(const char *path, uint32_t reason)
{
	struct ctrail_snapshot *s, **all;
	size_t n;
	int rc;

	ctrail_pause();
	/* the exiting thread's own stack is exit()'s */
	s = snapshot_take(0, reason == CTR_REASON_EXIT ? SNAPSHOT_NO_OWN_STACK : 0);
	ctrail_resume();
	if (!s)
		return -errno;
	s->hdr.reason = reason;
	all = flows_hold(s, &n);
	rc = all ? snapshots_write(path, all, n) : -ENOMEM;
	flows_release(all);
	if (!rc)
		threads_forget_exited();
	ctrail_snapshot_free(s);
	return rc;
}

int ctrail_pause_and_write(const char *path)
{
	return pause_and_write(path, CTR_REASON_API);
}

int snapshot_write_default(uint32_t reason)
{
	return pause_and_write(NULL, reason);
}
