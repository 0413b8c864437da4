/* core_snapshot.c - see core_snapshot.h.  Follows the layout contract of
 * runtime/state.h: checks ctrail_state's magic, version and size, then
 * reads every record field at the offsets the state publishes.  Rings are
 * cut with the runtime's own ring_first_stable() and ring_drop_unwritten();
 * every live thread was stopped at an arbitrary instruction, so each may
 * have reserved slots it had not stored yet.  Counts read from the core are bounded so a damaged
 * core gives an error, not a runaway loop or allocation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core_snapshot.h"
#include "../runtime/state.h"

#define EV sizeof(struct ctr_event)
#define MAX_THREADS 65536
#define MAX_MODULES 65536
#define MAX_SEGMENTS 256
#define MAX_RING (UINT64_C(1) << 40)

struct state_reader {
	struct core_file *c;
	struct ctrail_state st;
	struct core_snapshot *s;
};

static int bad(struct core_file *c, const char *what, uint64_t value)
{
	snprintf(c->err, sizeof(c->err), "ctrail_state: %s (%llu): damaged core?",
		 what, (unsigned long long)value);
	return -EINVAL;
}

static int read_u64(struct core_file *c, uint64_t addr, uint64_t *v)
{
	return core_read(c, addr, v, sizeof(*v));
}

static int read_state(struct state_reader *r, uint64_t addr)
{
	struct ctrail_state *st = &r->st;
	int err = core_read(r->c, addr, st, sizeof(*st));

	if (err)
		return err;
	if (memcmp(st->magic, CTRAIL_STATE_MAGIC, sizeof(st->magic)))
		return snprintf(r->c->err, sizeof(r->c->err),
				"ctrail_state has no magic: not a ctrail runtime, or damaged"), -EINVAL;
	if (st->version != CTRAIL_STATE_VERSION || st->size != sizeof(*st))
		return snprintf(r->c->err, sizeof(r->c->err),
				"ctrail_state version %u (size %u); this ctrail reads version %u",
				st->version, st->size, CTRAIL_STATE_VERSION), -EPROTO;
	return 0;
}

/* One thread record into the next slot of s->threads. */
static int read_thread(struct state_reader *r, uint64_t t, int live,
		       struct core_ring *out)
{
	const struct ctrail_state_layout *l = &r->st.layout;
	uint64_t tls, ring, size, off, cap, lo, first;
	int32_t tid, is_main;
	int err;

	if ((err = read_u64(r->c, t + l->thread_tls, &tls)) ||
	    (err = read_u64(r->c, t + l->thread_ring, &ring)) ||
	    (err = read_u64(r->c, t + l->thread_size, &size)) ||
	    (err = core_read(r->c, t + l->thread_tid, &tid, 4)) ||
	    (err = core_read(r->c, t + l->thread_is_main, &is_main, 4)) ||
	    (err = core_read(r->c, t + l->thread_name, out->hdr.name, 16)))
		return err;
	if (size < EV || size > MAX_RING || (size & (size - 1)))
		return bad(r->c, "ring size", size);
	err = live ? read_u64(r->c, tls + l->tls_off, &off)
		   : read_u64(r->c, t + l->thread_final_off, &off);
	if (err)
		return err;
	cap = size / EV;
	out->hdr.tid = tid;
	out->hdr.flags = (live ? 0 : CTR_THREAD_EXITED) | (is_main ? CTR_THREAD_MAIN : 0);
	out->hdr.capacity = cap;
	out->hdr.written = off / EV;
	lo = ring_first_stable(off / EV, cap);
	out->hdr.overwritten = lo;
	out->hdr.nevents = off / EV - lo;
	out->events = malloc(out->hdr.nevents ? out->hdr.nevents * EV : 1);
	if (!out->events)
		return -ENOMEM;
	first = cap - lo % cap < out->hdr.nevents ? cap - lo % cap : out->hdr.nevents;
	if ((err = core_read(r->c, ring + lo % cap * EV, out->events, first * EV)) ||
	    (err = core_read(r->c, ring, out->events + first,
			     (out->hdr.nevents - first) * EV)))
		return err;
	if (live)
		out->hdr.nevents = ring_drop_unwritten(out->events, out->hdr.nevents, 0);
	if (live && is_main)
		memcpy(out->hdr.name, r->c->fname, sizeof(out->hdr.name));
	return 0;
}

static int read_list(struct state_reader *r, struct ctrail_thread **head, int live)
{
	struct core_snapshot *s = r->s;
	uint64_t t;
	uint32_t n = 0;
	int err;

	if ((err = read_u64(r->c, (uintptr_t)head, &t)))
		return err;
	for (; t; n++) {
		struct core_ring *rings;
		if (n == MAX_THREADS)
			return bad(r->c, "thread list does not end after", n);
		if (!(rings = realloc(s->threads, (s->nthreads + 1) * sizeof(*rings))))
			return -ENOMEM;
		s->threads = rings;
		memset(&rings[s->nthreads], 0, sizeof(*rings));
		err = read_thread(r, t, live, &rings[s->nthreads]);
		s->nthreads++;
		if (err || (err = read_u64(r->c, t + r->st.layout.thread_next, &t)))
			return err;
	}
	return 0;
}

/* The thread that dumped the core goes last, flagged. */
static void mark_crashed(struct core_file *c, struct core_snapshot *s)
{
	for (uint32_t i = 0; i < s->nthreads && c->threads[0].signal; i++)
		if (s->threads[i].hdr.tid == (uint32_t)c->threads[0].tid &&
		    !(s->threads[i].hdr.flags & CTR_THREAD_EXITED)) {
			struct core_ring crashed = s->threads[i];
			memmove(&s->threads[i], &s->threads[i + 1],
				(s->nthreads - i - 1) * sizeof(crashed));
			crashed.hdr.flags |= CTR_THREAD_CRASHED;
			s->threads[s->nthreads - 1] = crashed;
			return;
		}
}

static int read_module(struct state_reader *r, uint64_t at, struct core_module *m)
{
	const struct ctrail_state_layout *l = &r->st.layout;
	uint64_t segs, path;
	int err;

	if ((err = core_read(r->c, at + l->module_hdr, &m->hdr, sizeof(m->hdr))) ||
	    (err = read_u64(r->c, at + l->module_segs, &segs)) ||
	    (err = read_u64(r->c, at + l->module_path, &path)) ||
	    (err = core_read(r->c, at + l->module_build_id, m->build_id, sizeof(m->build_id))))
		return err;
	if (m->hdr.nsegments > MAX_SEGMENTS)
		return bad(r->c, "module segments", m->hdr.nsegments);
	if (m->hdr.build_id_size > sizeof(m->build_id))
		return bad(r->c, "module build id size", m->hdr.build_id_size);
	if (m->hdr.path_size > 4096)
		return bad(r->c, "module path size", m->hdr.path_size);
	m->segs = calloc(m->hdr.nsegments + 1, sizeof(*m->segs));
	m->path = calloc(m->hdr.path_size + 1, 1);
	if (!m->segs || !m->path)
		return -ENOMEM;
	if ((err = core_read(r->c, segs, m->segs, m->hdr.nsegments * sizeof(*m->segs))))
		return err;
	return core_read(r->c, path, m->path, m->hdr.path_size);
}

static int read_modules(struct state_reader *r)
{
	struct core_snapshot *s = r->s;
	int err;

	if (r->st.nmods > MAX_MODULES)
		return bad(r->c, "module count", r->st.nmods);
	s->mods = calloc(r->st.nmods + 1, sizeof(*s->mods));
	if (!s->mods)
		return -ENOMEM;
	for (; s->nmods < r->st.nmods; s->nmods++)
		if ((err = read_module(r, (uintptr_t)r->st.mods +
				       (uint64_t)s->nmods * r->st.layout.module_size,
				       &s->mods[s->nmods])))
			return err;
	return 0;
}

/* PROCESS from the core's NT_PRPSINFO: the command line is what the kernel
 * kept of it (80 bytes, arguments joined by spaces, split again here). */
static int fill_process(struct core_file *c, const char *exe, struct core_snapshot *s)
{
	size_t n = strnlen(c->psargs, sizeof(c->psargs) - 1);

	while (n && c->psargs[n - 1] == ' ')
		n--;
	s->exe = strdup(exe);
	s->cmdline = strndup(c->psargs, n);
	if (!s->exe || !s->cmdline)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (s->cmdline[i] == ' ')
			s->cmdline[i] = 0;
	s->proc.pid = c->pid;
	s->proc.ppid = c->ppid;
	s->proc.exe_size = strlen(exe);
	s->proc.cmdline_size = n;
	return 0;
}

/* A live thread's STACK chunk from the core's thread of the same tid. */
static int read_stack(struct core_file *c, struct core_ring *t)
{
	const struct core_thread *ct = NULL;
	struct ctr_stack *st = &t->stack;

	for (size_t i = 0; i < c->nthreads && !ct; i++)
		if ((uint32_t)c->threads[i].tid == t->hdr.tid)
			ct = &c->threads[i];
	if (!ct || (t->hdr.flags & CTR_THREAD_EXITED))
		return 0;
	_Static_assert(CORE_REGS == CTR_STACK_REGS, "register sets");
	st->tid = t->hdr.tid;
	st->written = t->hdr.written;
	memcpy(st->regs, ct->regs, sizeof(st->regs));
	st->start = st->regs[7];
	st->size = core_readable(c, st->start, CORE_STACK_BYTES);
	if (st->size == CORE_STACK_BYTES)
		st->flags |= CTR_STACK_CUT;
	if (!(t->stack_bytes = malloc(st->size ? st->size : 1)))
		return -ENOMEM;
	return core_read(c, st->start, t->stack_bytes, st->size);
}

/* The crash happened after the newest event of any thread. */
static uint64_t newest_tsc(const struct core_snapshot *s)
{
	uint64_t newest = s->clock.start.tsc;

	for (uint32_t i = 0; i < s->nthreads; i++)
		for (uint64_t k = s->threads[i].hdr.nevents; k-- > 0;)
			if (!(s->threads[i].events[k].tsc & CTR_TSC_CONTINUATION)) {
				if (s->threads[i].events[k].tsc > newest)
					newest = s->threads[i].events[k].tsc;
				break;
			}
	return newest;
}

int core_snapshot_read(struct core_file *c, uint64_t state_addr,
		       const char *exe, uint64_t tsc_hz, struct core_snapshot *s)
{
	struct state_reader r = { .c = c, .s = s };
	uint64_t dropped_events = 0;
	uint32_t dropped_threads = 0;
	int err;

	memset(s, 0, sizeof(*s));
	if ((err = read_state(&r, state_addr)) ||
	    (err = core_read(c, (uintptr_t)r.st.dropped_threads, &dropped_threads, 4)) ||
	    (err = read_u64(c, (uintptr_t)r.st.dropped_events, &dropped_events)) ||
	    (err = read_list(&r, r.st.live_threads, 1)) ||
	    (err = read_list(&r, r.st.exited_threads, 0)) ||
	    (err = read_modules(&r)) || (err = fill_process(c, exe, s)))
		return err;
	for (uint32_t i = 0; i < s->nthreads; i++)
		if ((err = read_stack(c, &s->threads[i])))
			return err;
	mark_crashed(c, s);
	s->clock = r.st.clock;
	if (tsc_hz)
		s->clock.tsc_hz = tsc_hz;
	if (!s->clock.tsc_hz)
		return snprintf(c->err, sizeof(c->err), "the process had not found its "
				"TSC rate yet; give it with --tsc-hz HZ"), -ENODATA;
	/* one moment on the three clocks: the start pair is the one we have */
	s->clock.now = s->clock.start;
	s->hdr.reason = CTR_REASON_CORE;
	s->hdr.taken_tsc = newest_tsc(s);
	s->hdr.dropped_threads = dropped_threads;
	s->hdr.dropped_events = dropped_events;
	return 0;
}

void core_snapshot_free(struct core_snapshot *s)
{
	for (uint32_t i = 0; s->mods && i < s->nmods + 1; i++) {
		free(s->mods[i].segs);
		free(s->mods[i].path);
	}
	for (uint32_t i = 0; i < s->nthreads; i++) {
		free(s->threads[i].events);
		free(s->threads[i].stack_bytes);
	}
	free(s->mods);
	free(s->threads);
	free(s->exe);
	free(s->cmdline);
	memset(s, 0, sizeof(*s));
}

int core_snapshot_write(struct ctr_writer *w, const struct core_snapshot *s)
{
	struct iovec v[2];
	int rc;

	v[0] = (struct iovec){ (void *)&s->hdr, sizeof(s->hdr) };
	if ((rc = ctr_write_chunk(w, CTR_CHUNK_SNAPSHOT, v, 1)))
		return rc;
	if ((rc = ctr_write_process(w, &s->proc, s->exe, s->cmdline)))
		return rc;
	v[0] = (struct iovec){ (void *)&s->clock, sizeof(s->clock) };
	if ((rc = ctr_write_chunk(w, CTR_CHUNK_CLOCK, v, 1)))
		return rc;
	for (uint32_t i = 0; i < s->nmods; i++) {
		const struct core_module *m = &s->mods[i];
		if ((rc = ctr_write_module(w, &m->hdr, m->segs, m->build_id, m->path)))
			return rc;
	}
	for (uint32_t i = 0; i < s->nthreads; i++)
		if ((rc = ctr_write_thread(w, &s->threads[i].hdr, s->threads[i].events)) ||
		    (s->threads[i].stack.tid &&
		     (rc = ctr_write_stack(w, &s->threads[i].stack, s->threads[i].stack_bytes))))
			return rc;
	return ctr_writer_end(w);
}
