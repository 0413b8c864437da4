/* snapshot.c - copies the rings into a snapshot and writes it as a .ctr
 * file (format/ctr.h).
 *
 * A ring is copied while its thread may still be writing (the protocol is
 * in hooks_x86_64.S and state.h).  We read the thread's write offset (n1
 * events reserved), copy the last events before it, then read the offset
 * again (n2).  The writer stores only into slots it reserved, so any slot
 * it may have reused meanwhile held an event older than n2 - capacity;
 * those are dropped from the front.  Then the slots it had reserved but not
 * yet stored (still the previous lap, stamped too early) are dropped by
 * ring_drop_unwritten(), so what remains was whole for the whole copy.  No
 * lock is shared with writers.
 *
 * Two ways to take a snapshot.  ctrail_snapshot_take (and flows.c) copies
 * every ring into the heap at once, for writing later.  The full snapshots
 * of SIGTRAP, exit and ctrail_pause_and_write stream instead: the snapshot
 * holds the threads pinned (a pointer each, taken under registry_lock) and
 * write_thread() copies one ring at a time into one reusable buffer and
 * writes it, so the extra memory is one ring whatever the thread count.
 * Nothing is paused: every thread records on, and whatever a thread
 * overwrote of its ring while it was copied is dropped from the front by
 * the rule above, so no snapshot has a hole and none invents calls across
 * another's (each ring is cut at the moment it was copied).  A pinned
 * record is only used after checking, under the lock, that it is still
 * listed with the same tid (an exited thread's record may have been freed
 * by exited_trim, or made a spare and given to a new thread).
 *
 * Each live thread's step takes its stack first (stackcap.c: the STACK
 * chunk), then its ring, so the ring holds the moment the registers were
 * taken; kept flow occurrences (one request's window) take none, nor
 * does the thread writing at exit (its stack is exit's). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "ctrail.h"
#include "ctr_write.h"
#include "runtime.h"
#include "state.h"

#define EV sizeof(struct ctr_event)

struct snap_thread {
	struct ctr_thread hdr;
	struct ctr_event *events;     /* held copy; NULL when streamed */
	struct ctrail_thread *pinned; /* streamed: the ring to copy */
	int exited;                   /* streamed: copied after its exit */
	struct ctr_stack stack;       /* held: stack.tid == 0 means no STACK */
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
	struct ctr_event *buf;         /* streamed: one ring's copy */
	uint64_t buf_events;
	uint64_t stack_wait_ns;        /* left for waiting on stacks */
	struct ctr_probes probes_hdr;     /* probes.c */
	struct ctr_probe_event *probes;   /* NULL: no PROBES chunk */
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

/* Copies t's ring into dest (room for the whole ring), or into a new
 * array when dest is NULL. */
static int copy_ring(struct snap_thread *out, const struct ctrail_thread *t,
		     uint64_t since, struct ctr_event *dest)
{
	uint64_t cap = t->size / EV, mask = t->size - 1;
	uint64_t n1 = thread_off(t) / EV;
	uint64_t lo = ring_first_stable(n1, cap);
	uint64_t from = since ? first_since(t->ring, mask, lo, n1, since) : lo;
	/* events before lo were overwritten, but if the time cut falls inside
	 * the ring they were older than it anyway */
	uint64_t lost = from > lo ? 0 : lo;
	uint64_t n = n1 - from, first_part, stable;

	out->events = dest ? dest : malloc(n ? n * EV : 1);
	if (!out->events)
		return -ENOMEM;
	first_part = cap - (from % cap);
	if (first_part > n)
		first_part = n;
	memcpy(out->events, t->ring + (from * EV & mask), first_part * EV);
	memcpy(out->events + first_part, t->ring, (n - first_part) * EV);
	/* what the writer stored during the copy went to slots it reserved
	 * before this read: their previous lap is cut here */
	stable = ring_first_stable(thread_off(t) / EV, cap);
	if (stable > from) {
		uint64_t skip = stable - from < n ? stable - from : n;
		memmove(out->events, out->events + skip, (n - skip) * EV);
		n -= skip;
		lost += skip;
	}
	/* another live thread may not have stored every slot it reserved
	 * (the scan costs about half the copy: the calling thread, which is
	 * in no hook, and exited ones are spared it) */
	if (t->tls && t->tls != &ctrail_tls)
		n = ring_drop_unwritten(out->events, n, since);
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

/* Takes a live thread's stack into out when the snapshot wants it, out of
 * the snapshot's waiting budget.  Called with registry_lock held, so t
 * stays valid. */
static int take_stack(struct snap_thread *out, const struct ctrail_thread *t,
		      struct ctrail_snapshot *s)
{
	int rc;

	if (!t->tls || (s->hdr.reason == CTR_REASON_EXIT && t->tls == &ctrail_tls))
		return 0;
	if ((rc = stack_capture(t, &out->stack, &out->stack_bytes,
				&s->stack_wait_ns)) == -ENOSYS) {
		memset(&out->stack, 0, sizeof(out->stack));
		rc = 0;
	}
	return rc;
}

/* The held step: stack (for s, or none when s is NULL), then ring. */
static int copy_thread(struct snap_thread *out, const struct ctrail_thread *t,
		       uint64_t since, struct ctrail_snapshot *s)
{
	int rc = s ? take_stack(out, t, s) : 0;

	if (!rc)
		rc = copy_ring(out, t, since, NULL);
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
 * self_only; with stacks, each live thread's stack first. */
static int copy_threads(struct ctrail_snapshot *s, uint64_t since, int self_only,
			int stacks)
{
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
						    stacks ? s : NULL)))
				s->nthreads++;
	if (rc && s->threads)
		free(s->threads[s->nthreads].stack_bytes);
	s->hdr.dropped_threads = dropped_threads;
	s->hdr.dropped_events = dropped_events;
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

/* The kernel's events since a time: scheduling (ftrace.c), then probes
 * (probes.c: after sched_copy, which drained the buffers they share). */
static int kernel_events_copy(struct ctrail_snapshot *s, uint64_t since_tsc)
{
	int rc = sched_copy(since_tsc, &s->sched_hdr, &s->sched);

	if (!rc && s->sched)
		rc = probes_copy(since_tsc, sched_kernel_lost(), &s->probes_hdr, &s->probes);
	return rc;
}

struct ctrail_snapshot *ctrail_snapshot_take(uint64_t since_tsc)
{
	return snapshot_take(since_tsc, 0, 1);
}

struct ctrail_snapshot *snapshot_take(uint64_t since_tsc, int self_only, int stacks)
{
	struct ctrail_snapshot *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->hdr.since_tsc = since_tsc;
	s->hdr.taken_tsc = ctrail_now();
	s->stack_wait_ns = STACK_WAIT_NS;
	s->hdr.reason = CTR_REASON_API;
	modules_refresh();
	rc = copy_threads(s, since_tsc, self_only, stacks);
	if (!rc)
		rc = kernel_events_copy(s, since_tsc);
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
	free(s->buf);
	free(s->sched);
	free(s->probes);
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

/* A copied thread's THREAD chunk, and its STACK chunk if it has one. */
static int write_held(struct ctr_writer *w, const struct snap_thread *st)
{
	int rc = ctr_write_thread(w, &st->hdr, st->events);

	if (!rc && st->stack.tid)
		rc = ctr_write_stack(w, &st->stack, st->stack_bytes);
	return rc;
}

/* A streamed thread: its ring copied into s->buf and written at once.  A
 * thread freed since it was pinned is left out.  Called for each thread
 * in turn, so the chunks of one thread are written here. */
static int stream_thread(struct ctr_writer *w, struct ctrail_snapshot *s,
			 struct snap_thread *st)
{
	struct ctrail_thread *t = st->pinned;
	struct snap_thread out = { 0 };
	int rc = 0, found;

	pthread_mutex_lock(&registry_lock);
	/* a record freed or reused by a new thread since is left out */
	found = thread_listed(t) && (uint32_t)t->tid == st->hdr.tid;
	if (found && s->buf_events < t->size / EV) {
		free(s->buf);
		s->buf_events = t->size / EV;
		if (!(s->buf = malloc(t->size)))
			s->buf_events = 0, rc = -ENOMEM;
	}
	if (found && !rc && !(rc = take_stack(&out, t, s)) &&
	    !(rc = copy_ring(&out, t, 0, s->buf)))
		st->exited = !t->tls;
	pthread_mutex_unlock(&registry_lock);
	if (found && !rc)
		rc = write_held(w, &out);
	free(out.stack_bytes);
	return rc;
}

/* One thread's chunks. */
static int write_thread(struct ctr_writer *w, struct ctrail_snapshot *s,
			struct snap_thread *st)
{
	if (st->pinned)
		return stream_thread(w, s, st);
	return write_held(w, st);
}

/* One snapshot's chunks, from SNAPSHOT to its last THREAD and SCHED. */
static int write_chunks(struct ctr_writer *w, struct ctrail_snapshot *s)
{
	struct iovec v[2];
	int rc;

	v[0] = (struct iovec){ (void *)&s->hdr, sizeof(s->hdr) };
	v[1] = (struct iovec){ s->name, s->hdr.name_size };
	if ((rc = ctr_write_chunk(w, CTR_CHUNK_SNAPSHOT, v, 2)) ||
	    (rc = process_chunks_write(w, &s->process)))
		return rc;
	for (uint32_t i = 0; i < s->nthreads; i++)
		if ((rc = write_thread(w, s, &s->threads[i])))
			return rc;
	if (s->sched) {
		v[0] = (struct iovec){ (void *)&s->sched_hdr, sizeof(s->sched_hdr) };
		v[1] = (struct iovec){ s->sched, s->sched_hdr.nevents * sizeof(*s->sched) };
		if ((rc = ctr_write_chunk(w, CTR_CHUNK_SCHED, v, 2)))
			return rc;
	}
	if (s->probes) {
		v[0] = (struct iovec){ (void *)&s->probes_hdr, sizeof(s->probes_hdr) };
		v[1] = (struct iovec){ s->probes, s->probes_hdr.nevents * sizeof(*s->probes) };
		if ((rc = ctr_write_chunk(w, CTR_CHUNK_PROBES, v, 2)))
			return rc;
	}
	return 0;
}

struct snapshot_list {
	struct ctrail_snapshot **snaps;
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

int snapshots_write(const char *path, struct ctrail_snapshot **snaps, size_t n)
{
	struct snapshot_list l = { snaps, n };

	return ctr_file_write(path ? path : config.output, write_list, &l);
}

int ctrail_snapshot_write(const struct ctrail_snapshot *s, const char *path)
{
	struct ctrail_snapshot *one = (struct ctrail_snapshot *)s;

	return s ? snapshots_write(path, &one, 1) : -EINVAL;
}

/* The streaming writer's scheduling.  A busy program has more runnable
 * threads than CPUs, and a writer at their priority gets its share of a
 * CPU: 500 busy threads on 2 cores took minutes over one snapshot.  So the
 * writer runs SCHED_FIFO (lowest real-time priority) while it writes, when
 * it may (root, CAP_SYS_NICE, or RLIMIT_RTPRIO >= 1), else at the lowest
 * nice value RLIMIT_NICE lets it take (unprivileged: usually none below
 * its own), and is put back afterwards.  The kernel's real-time throttling
 * (sched_rt_runtime_us, 95% by default) still leaves the program some of
 * that CPU. */
struct writer_priority {
	int policy;
	struct sched_param param;
	int nice;
	enum { KEPT, REALTIME, NICER } how;
};

static void writer_priority_raise(struct writer_priority *p)
{
	struct sched_param rt = { .sched_priority = 1 };
	struct rlimit rl;
	int floor;

	p->how = KEPT;
	errno = 0;
	p->nice = getpriority(PRIO_PROCESS, gettid());
	if (pthread_getschedparam(pthread_self(), &p->policy, &p->param) ||
	    p->policy != SCHED_OTHER || errno)
		return;
	if (!pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt)) {
		p->how = REALTIME;
		return;
	}
	if (getrlimit(RLIMIT_NICE, &rl))
		return;
	floor = rl.rlim_cur >= 40 ? -20 : 20 - (int)rl.rlim_cur;
	if (floor < p->nice && !setpriority(PRIO_PROCESS, gettid(), floor))
		p->how = NICER;
}

static void writer_priority_restore(const struct writer_priority *p)
{
	if (p->how == REALTIME)
		pthread_setschedparam(pthread_self(), p->policy, &p->param);
	else if (p->how == NICER)
		setpriority(PRIO_PROCESS, gettid(), p->nice);
}

/* A snapshot of every thread to stream: the threads pinned, the process,
 * modules and scheduling events copied. */
static struct ctrail_snapshot *snapshot_pin(uint32_t reason)
{
	struct ctrail_snapshot *s = calloc(1, sizeof(*s));
	int rc = s ? 0 : -ENOMEM;

	if (s) {
		s->hdr.taken_tsc = ctrail_now();
		s->hdr.reason = reason;
		s->stack_wait_ns = STACK_WAIT_NS;
		modules_refresh();
		rc = process_chunks_take(&s->process);
	}
	pthread_mutex_lock(&registry_lock);
	if (!rc && !(s->threads = calloc(count(live_threads) + count(exited_threads) + 1,
					 sizeof(*s->threads))))
		rc = -ENOMEM;
	for (int l = 0; l < 2 && !rc; l++)
		for (struct ctrail_thread *t = l ? exited_threads : live_threads; t; t = t->next) {
			s->threads[s->nthreads].hdr.tid = t->tid;
			s->threads[s->nthreads++].pinned = t;
		}
	if (!rc) {
		s->hdr.dropped_threads = dropped_threads;
		s->hdr.dropped_events = dropped_events;
	}
	pthread_mutex_unlock(&registry_lock);
	if (!rc)
		rc = kernel_events_copy(s, 0);
	if (rc) {
		ctrail_snapshot_free(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

/* After a streamed snapshot was written: frees the exited threads it
 * holds. */
static void forget_written(struct ctrail_snapshot *s)
{
	struct ctrail_thread **done = malloc((s->nthreads + 1) * sizeof(*done));
	uint32_t n = 0;

	if (!done)
		return;
	for (uint32_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].exited)
			done[n++] = s->threads[i].pinned;
	threads_forget(done, n, s->hdr.dropped_threads, s->hdr.dropped_events);
	free(done);
}

/* Everything now, streamed, followed by the kept occurrences of every
 * flow; recording goes on meanwhile. */
static int stream_and_write(const char *path, uint32_t reason)
{
	struct ctrail_snapshot *s = snapshot_pin(reason), **all;
	struct writer_priority prio;
	size_t n;
	int rc;

	if (!s)
		return -errno;
	all = flows_hold(s, &n);
	writer_priority_raise(&prio);
	rc = all ? snapshots_write(path, all, n) : -ENOMEM;
	writer_priority_restore(&prio);
	flows_release(all);
	if (!rc)
		forget_written(s);
	ctrail_snapshot_free(s);
	return rc;
}

int ctrail_pause_and_write(const char *path)
{
	return stream_and_write(path, CTR_REASON_API);
}

int snapshot_write_default(uint32_t reason)
{
	return stream_and_write(NULL, reason);
}
