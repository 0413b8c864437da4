/* reader.c - see reader.h.  One pass over the chunks: check the chunk
 * header against the bytes left, then the payload's own sizes and counts
 * against the chunk, then file it into the current snapshot.  Every error
 * names the offset of the field that is wrong (the chunk header's size
 * field when the chunk does not fit, a count field when the count does
 * not fit its chunk, the end of the file when it stops early). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "reader.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the reader maps .ctr files (little-endian) directly");
_Static_assert(sizeof(struct ctr_chunk_header) == 16, "chunk header");
_Static_assert(sizeof(struct ctr_event) == 16, "event");

#define FIELD_OFFSET(type, field) ((uint64_t)offsetof(struct type, field))

static int fail(struct reader *r, uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->err_offset = offset;
	return -EINVAL;
}

/* Grows an array by one zeroed element; returns it or NULL. */
static void *append(void **array, size_t *n, size_t elem)
{
	void *grown = realloc(*array, (*n + 1) * elem);

	if (!grown)
		return NULL;
	*array = grown;
	memset((char *)grown + *n * elem, 0, elem);
	return (char *)grown + (*n)++ * elem;
}

static int check_file_header(struct reader *r)
{
	const struct ctr_file_header *h = (const void *)r->data;
	size_t n = r->size < CTR_MAGIC_SIZE ? r->size : CTR_MAGIC_SIZE;

	if (r->size == 0)
		return fail(r, 0, "empty file");
	if (memcmp(r->data, CTR_MAGIC, n) != 0)
		return fail(r, 0, "not a .ctr file (bad magic)");
	if (r->size < sizeof(*h))
		return fail(r, r->size, "file header cut short (%zu of %zu bytes)",
			    r->size, sizeof(*h));
	if (h->version != CTR_VERSION)
		return fail(r, FIELD_OFFSET(ctr_file_header, version),
			    "unsupported format version %u (this ctrail reads %u)",
			    h->version, CTR_VERSION);
	if (h->header_size < sizeof(*h) || h->header_size % 8 ||
	    h->header_size > r->size)
		return fail(r, FIELD_OFFSET(ctr_file_header, header_size),
			    "bad file header size %u", h->header_size);
	return 0;
}

/* The payload holds a fixed header of `need` bytes and then `rest` bytes
 * of arrays and strings announced by the header's counts; the sum must be
 * the payload size exactly.  count_at is the offset of the first count. */
static int check_payload(struct reader *r, uint64_t at, uint64_t size,
			 uint64_t need, uint64_t rest, uint64_t count_at,
			 const char *what)
{
	if (size < need)
		return fail(r, at + 8, "%s chunk too small: %llu bytes, need %llu",
			    what, (unsigned long long)size,
			    (unsigned long long)need);
	if (rest > size - need)
		return fail(r, count_at,
			    "%s chunk counts need %llu bytes but the chunk holds %llu",
			    what, (unsigned long long)rest,
			    (unsigned long long)(size - need));
	if (rest < size - need)
		return fail(r, at + 8,
			    "%s chunk has %llu bytes its counts do not account for",
			    what, (unsigned long long)(size - need - rest));
	return 0;
}

static int read_snapshot(struct reader *r, uint64_t at, const uint8_t *p,
			 uint64_t size)
{
	const struct ctr_snapshot *s = (const void *)p;
	struct reader_snapshot *snap;
	int err = check_payload(r, at, size, sizeof(*s), size >= sizeof(*s) ? s->name_size : 0,
				at + 16 + FIELD_OFFSET(ctr_snapshot, name_size),
				"SNAPSHOT");

	if (err)
		return err;
	snap = append((void **)&r->snapshots, &r->nsnapshots, sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	snap->offset = at;
	snap->hdr = s;
	snap->name = (const char *)(s + 1);
	return 0;
}

static int read_process(struct reader *r, struct reader_snapshot *snap,
			uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_process *pr = (const void *)p;
	uint64_t rest = size >= sizeof(*pr) ?
		(uint64_t)pr->exe_size + pr->cmdline_size : 0;
	int err;

	if (snap->process)
		return fail(r, at, "second PROCESS chunk in snapshot %zu",
			    r->nsnapshots - 1);
	err = check_payload(r, at, size, sizeof(*pr), rest,
			    at + 16 + FIELD_OFFSET(ctr_process, exe_size),
			    "PROCESS");
	if (err)
		return err;
	snap->process = pr;
	snap->exe = (const char *)(pr + 1);
	snap->cmdline = snap->exe + pr->exe_size;
	return 0;
}

static int read_clock(struct reader *r, struct reader_snapshot *snap,
		      uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_clock *c = (const void *)p;
	int err;

	if (snap->clock)
		return fail(r, at, "second CLOCK chunk in snapshot %zu",
			    r->nsnapshots - 1);
	err = check_payload(r, at, size, sizeof(*c), 0, 0, "CLOCK");
	if (err)
		return err;
	if (c->tsc_hz == 0)
		return fail(r, at + 16 + FIELD_OFFSET(ctr_clock, tsc_hz),
			    "clock rate is zero");
	snap->clock = c;
	return 0;
}

static int read_module(struct reader *r, struct reader_snapshot *snap,
		       uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_module *m = (const void *)p;
	struct reader_module *mod;
	uint64_t rest = size >= sizeof(*m) ?
		(uint64_t)m->nsegments * sizeof(struct ctr_segment) +
		m->build_id_size + m->path_size : 0;
	int err = check_payload(r, at, size, sizeof(*m), rest,
				at + 16 + FIELD_OFFSET(ctr_module, nsegments),
				"MODULE");

	if (err)
		return err;
	mod = append((void **)&snap->modules, &snap->nmodules, sizeof(*mod));
	if (!mod)
		return -ENOMEM;
	mod->hdr = m;
	mod->segs = (const struct ctr_segment *)(m + 1);
	mod->build_id = (const uint8_t *)(mod->segs + m->nsegments);
	mod->path = (const char *)(mod->build_id + m->build_id_size);
	return 0;
}

static int read_packed(struct reader *r, uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_packed *h = (const void *)p;
	struct reader_packed *f;
	uint64_t rest = size < sizeof(*h) ? 0 : h->data_size > size ? UINT64_MAX :
		h->build_id_size + (uint64_t)h->path_size + h->data_size;
	int err = check_payload(r, at, size, sizeof(*h), rest,
				at + 16 + FIELD_OFFSET(ctr_packed, data_size), "PACKED");

	if (err)
		return err;
	f = append((void **)&r->packed, &r->npacked, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->hdr = h;
	f->build_id = (const uint8_t *)(h + 1);
	f->path = (const char *)(f->build_id + h->build_id_size);
	f->data = (const uint8_t *)(f->path + h->path_size);
	return 0;
}

static int read_thread(struct reader *r, struct reader_snapshot *snap,
		       uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_thread *t = (const void *)p;
	uint64_t count_at = at + 16 + FIELD_OFFSET(ctr_thread, nevents);
	uint64_t room = size >= sizeof(*t) ? size - sizeof(*t) : 0;
	struct reader_thread *th;
	int err;

	/* Compare the count before multiplying so a huge one cannot wrap. */
	if (size >= sizeof(*t) && t->nevents > room / sizeof(struct ctr_event))
		return fail(r, count_at,
			    "THREAD chunk claims %llu events but holds room for %llu",
			    (unsigned long long)t->nevents,
			    (unsigned long long)(room / sizeof(struct ctr_event)));
	err = check_payload(r, at, size, sizeof(*t),
			    size >= sizeof(*t) ? t->nevents * sizeof(struct ctr_event) : 0,
			    count_at, "THREAD");
	if (err)
		return err;
	th = append((void **)&snap->threads, &snap->nthreads, sizeof(*th));
	if (!th)
		return -ENOMEM;
	th->hdr = t;
	th->events = (const struct ctr_event *)(t + 1);
	memcpy(th->name, t->name, sizeof(t->name));
	return 0;
}

static int read_counts(struct reader *r, struct reader_snapshot *snap,
		       uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_counts *h = (const void *)p;
	const struct ctr_count *c = (const void *)(h + 1);
	uint64_t count_at = at + 16 + FIELD_OFFSET(ctr_counts, nrecords);
	uint64_t room = size >= sizeof(*h) ? size - sizeof(*h) : 0;
	int err;

	if (snap->counts_hdr)
		return fail(r, at, "second COUNTS chunk in snapshot %zu",
			    r->nsnapshots - 1);
	if (size >= sizeof(*h) && h->nrecords > room / sizeof(*c))
		return fail(r, count_at,
			    "COUNTS chunk claims %llu records but holds room for %llu",
			    (unsigned long long)h->nrecords,
			    (unsigned long long)(room / sizeof(*c)));
	err = check_payload(r, at, size, sizeof(*h),
			    size >= sizeof(*h) ? h->nrecords * sizeof(*c) : 0,
			    count_at, "COUNTS");
	if (err)
		return err;
	for (uint64_t i = 1; i < h->nrecords; i++)
		if (c[i].address <= c[i - 1].address)
			return fail(r, at + 16 + sizeof(*h) + i * sizeof(*c),
				    "count record %llu is not above the one before it",
				    (unsigned long long)i);
	snap->counts_hdr = h;
	snap->counts = c;
	return 0;
}

static int read_end(struct reader *r, uint64_t at, const uint8_t *p,
		    uint64_t size)
{
	const struct ctr_end *e = (const void *)p;
	int err = check_payload(r, at, size, sizeof(*e), 0, 0, "END");

	if (err)
		return err;
	if (e->chunks != r->chunks)
		return fail(r, at + 16,
			    "END chunk counts %llu chunks but %llu came before it",
			    (unsigned long long)e->chunks,
			    (unsigned long long)r->chunks);
	return 0;
}

static int read_sched(struct reader *r, struct reader_snapshot *snap,
		      uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_sched *h = (const void *)p;
	const struct ctr_sched_event *e = (const void *)(h + 1);
	uint64_t count_at = at + 16 + FIELD_OFFSET(ctr_sched, nevents);
	uint64_t room = size >= sizeof(*h) ? size - sizeof(*h) : 0;
	int err;

	if (snap->sched_hdr)
		return fail(r, at, "second SCHED chunk in snapshot %zu",
			    r->nsnapshots - 1);
	if (size >= sizeof(*h) && h->nevents > room / sizeof(*e))
		return fail(r, count_at,
			    "SCHED chunk claims %llu events but holds room for %llu",
			    (unsigned long long)h->nevents,
			    (unsigned long long)(room / sizeof(*e)));
	err = check_payload(r, at, size, sizeof(*h),
			    size >= sizeof(*h) ? h->nevents * sizeof(*e) : 0,
			    count_at, "SCHED");
	if (err)
		return err;
	for (uint64_t i = 1; i < h->nevents; i++)
		if (e[i].tsc < e[i - 1].tsc)
			return fail(r, at + 16 + sizeof(*h) + i * sizeof(*e),
				    "scheduling event %llu is older than the one before it",
				    (unsigned long long)i);
	snap->sched_hdr = h;
	snap->sched = e;
	snap->nsched = h->nevents;
	return 0;
}

static int read_stack(struct reader *r, struct reader_snapshot *snap,
		      uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_stack *h = (const void *)p;
	struct reader_stack *st;
	int err = check_payload(r, at, size, sizeof(*h), size >= sizeof(*h) ? h->size : 0,
				at + 16 + FIELD_OFFSET(ctr_stack, size), "STACK");

	if (err)
		return err;
	for (size_t i = 0; i < snap->nstacks; i++)
		if (snap->stacks[i].hdr->tid == h->tid)
			return fail(r, at, "second STACK chunk of thread %u", h->tid);
	st = append((void **)&snap->stacks, &snap->nstacks, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->hdr = h;
	st->bytes = (const uint8_t *)(h + 1);
	return 0;
}

/* Points every live thread at its STACK chunk, once the snapshot's arrays
 * stop moving. */
static void link_stacks(struct reader_snapshot *snap)
{
	for (size_t i = 0; i < snap->nthreads; i++)
		for (size_t k = 0; k < snap->nstacks; k++)
			if (snap->stacks[k].hdr->tid == snap->threads[i].hdr->tid &&
			    !(snap->threads[i].hdr->flags & CTR_THREAD_EXITED))
				snap->threads[i].stack = &snap->stacks[k];
}

static int read_probes(struct reader *r, struct reader_snapshot *snap,
		       uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_probes *h = (const void *)p;
	const struct ctr_probe_event *e = (const void *)(h + 1);
	uint64_t count_at = at + 16 + FIELD_OFFSET(ctr_probes, nevents);
	uint64_t room = size >= sizeof(*h) ? size - sizeof(*h) : 0;
	int err;

	if (snap->probes_hdr)
		return fail(r, at, "second PROBES chunk in snapshot %zu",
			    r->nsnapshots - 1);
	if (size >= sizeof(*h) && h->nevents > room / sizeof(*e))
		return fail(r, count_at,
			    "PROBES chunk claims %llu events but holds room for %llu",
			    (unsigned long long)h->nevents,
			    (unsigned long long)(room / sizeof(*e)));
	err = check_payload(r, at, size, sizeof(*h),
			    size >= sizeof(*h) ? h->nevents * sizeof(*e) : 0,
			    count_at, "PROBES");
	if (err)
		return err;
	for (uint64_t i = 0; i < h->nevents; i++) {
		unsigned kind = CTR_EVENT_KIND(e[i].word);

		if (i && e[i].tsc < e[i - 1].tsc)
			return fail(r, at + 16 + sizeof(*h) + i * sizeof(*e),
				    "probe event %llu is older than the one before it",
				    (unsigned long long)i);
		if ((kind != CTR_KIND_CALL && kind != CTR_KIND_RETURN) ||
		    (e[i].tsc & CTR_TSC_CONTINUATION))
			return fail(r, at + 16 + sizeof(*h) + i * sizeof(*e),
				    "probe event %llu is not a call or a return",
				    (unsigned long long)i);
	}
	snap->probes_hdr = h;
	snap->probes = e;
	return 0;
}

/* A snapshot is complete when it has its PROCESS and CLOCK chunks. */
/* A SYSINFO chunk: its fields are NUL terminated (users print them). */
static int read_sysinfo(struct reader *r, struct reader_snapshot *snap,
			uint64_t at, const uint8_t *p, uint64_t size)
{
	const struct ctr_sysinfo *s = (const void *)p;

	if (snap->sysinfo)
		return fail(r, at, "second SYSINFO chunk in a snapshot");
	if (size < sizeof(*s))
		return fail(r, at, "SYSINFO chunk of %llu bytes, less than %zu",
			    (unsigned long long)size, sizeof(*s));
	if (!memchr(s->sysname, 0, sizeof(s->sysname)) ||
	    !memchr(s->nodename, 0, sizeof(s->nodename)) ||
	    !memchr(s->release, 0, sizeof(s->release)) ||
	    !memchr(s->version, 0, sizeof(s->version)) ||
	    !memchr(s->machine, 0, sizeof(s->machine)))
		return fail(r, at + 16, "SYSINFO field without its NUL");
	snap->sysinfo = s;
	return 0;
}

static int check_snapshot_done(struct reader *r)
{
	struct reader_snapshot *snap;

	if (r->nsnapshots == 0)
		return 0;
	snap = &r->snapshots[r->nsnapshots - 1];
	if (!snap->process)
		return fail(r, snap->offset, "snapshot %zu has no PROCESS chunk",
			    r->nsnapshots - 1);
	if (!snap->clock)
		return fail(r, snap->offset, "snapshot %zu has no CLOCK chunk",
			    r->nsnapshots - 1);
	link_stacks(snap);
	return 0;
}

static int read_chunk(struct reader *r, uint64_t at, uint32_t tag,
		      const uint8_t *p, uint64_t size)
{
	struct reader_snapshot *snap =
		r->nsnapshots ? &r->snapshots[r->nsnapshots - 1] : NULL;
	int err;

	switch (tag) {
	case CTR_CHUNK_SNAPSHOT:
		err = check_snapshot_done(r);
		return err ? err : read_snapshot(r, at, p, size);
	case CTR_CHUNK_PROCESS:
	case CTR_CHUNK_CLOCK:
	case CTR_CHUNK_MODULE:
	case CTR_CHUNK_THREAD:
	case CTR_CHUNK_COUNTS:
		if (!snap)
			return fail(r, at, "chunk of type %u before any SNAPSHOT chunk",
				    tag);
		if (tag == CTR_CHUNK_PROCESS)
			return read_process(r, snap, at, p, size);
		if (tag == CTR_CHUNK_CLOCK)
			return read_clock(r, snap, at, p, size);
		if (tag == CTR_CHUNK_COUNTS)
			return read_counts(r, snap, at, p, size);
		if (tag == CTR_CHUNK_MODULE)
			return read_module(r, snap, at, p, size);
		return read_thread(r, snap, at, p, size);
	case CTR_CHUNK_SCHED:
	case CTR_CHUNK_STACK:
	case CTR_CHUNK_PROBES:
		if (!snap)
			return fail(r, at, "chunk of type %u before any SNAPSHOT chunk",
				    tag);
		if (tag == CTR_CHUNK_STACK)
			return read_stack(r, snap, at, p, size);
		if (tag == CTR_CHUNK_PROBES)
			return read_probes(r, snap, at, p, size);
		return read_sched(r, snap, at, p, size);
	case CTR_CHUNK_SYSINFO:
		if (!snap)
			return fail(r, at, "chunk of type %u before any SNAPSHOT chunk",
				    tag);
		return read_sysinfo(r, snap, at, p, size);
	case CTR_CHUNK_PACKED:
		return read_packed(r, at, p, size);
	default:
		return 0; /* unknown: skipped, as the format asks */
	}
}

/* Padding must be zero bytes, so garbage after a payload is caught. */
static int check_padding(struct reader *r, uint64_t at, uint64_t size,
			 uint64_t padded)
{
	for (uint64_t i = size; i < padded; i++)
		if (r->data[at + 16 + i])
			return fail(r, at + 16 + i, "non-zero chunk padding");
	return 0;
}

static int read_chunks(struct reader *r)
{
	uint64_t at = ((const struct ctr_file_header *)r->data)->header_size;

	for (;;) {
		const struct ctr_chunk_header *h = (const void *)(r->data + at);
		uint64_t left = r->size - at, padded;
		int err;

		if (left == 0)
			return fail(r, at, "no END chunk (file truncated?)");
		if (left < sizeof(*h))
			return fail(r, at, "chunk header cut short (%llu of 16 bytes)",
				    (unsigned long long)left);
		left -= sizeof(*h);
		if (h->size > left)
			return fail(r, at + 8,
				    "chunk size %llu runs past the end of the file (%llu bytes left)",
				    (unsigned long long)h->size,
				    (unsigned long long)left);
		padded = (h->size + 7) & ~UINT64_C(7);
		if (padded > left)
			return fail(r, r->size, "chunk padding cut short");
		err = check_padding(r, at, h->size, padded);
		if (!err && h->tag == CTR_CHUNK_END)
			err = check_snapshot_done(r);
		if (!err && h->tag == CTR_CHUNK_END) {
			r->end_offset = at;
			err = read_end(r, at, r->data + at + 16, h->size);
		}
		if (!err && h->tag != CTR_CHUNK_END)
			err = read_chunk(r, at, h->tag, r->data + at + 16, h->size);
		if (err)
			return err;
		at += sizeof(*h) + padded;
		if (h->tag == CTR_CHUNK_END)
			break;
		r->chunks++;
	}
	if (at != r->size)
		return fail(r, at, "%llu bytes after the END chunk",
			    (unsigned long long)(r->size - at));
	if (r->nsnapshots == 0)
		return fail(r, at, "the file holds no snapshot");
	for (size_t i = 0; i < r->nsnapshots; i++) {
		r->snapshots[i].packed = r->packed;
		r->snapshots[i].npacked = r->npacked;
	}
	return 0;
}

/* The thread's stream with the probe events of tid merged in by tsc (at
 * equal stamps the thread's own event first); NULL if out of memory. */
static void *merge_thread(const struct ctr_thread *hdr, const struct ctr_event *ev,
			  const struct ctr_probe_event *pe, uint64_t npe, uint32_t tid)
{
	uint64_t mine = 0, n = hdr ? hdr->nevents : 0, i = 0, j = 0, k = 0;
	struct ctr_thread *copy;
	struct ctr_event *out;

	for (uint64_t p = 0; p < npe; p++)
		mine += pe[p].tid == tid;
	if (!(copy = malloc(sizeof(*copy) + (n + mine) * sizeof(*out))))
		return NULL;
	if (hdr)
		*copy = *hdr;
	else
		*copy = (struct ctr_thread){ .tid = tid };
	copy->nevents = n + mine;
	out = (struct ctr_event *)(copy + 1);
	while (i < n || j < npe) {
		if (j < npe && pe[j].tid != tid) {
			j++;
		} else if (j < npe && (i == n || pe[j].tsc < CTR_SLOT_TSC(ev[i].tsc))) {
			out[k++] = (struct ctr_event){ pe[j].word, pe[j].tsc };
			j++;
		} else {
			out[k++] = ev[i++];
		}
	}
	return copy;
}

static int merge_into(struct reader_thread *th, const struct reader_snapshot *snap)
{
	struct ctr_thread *copy = merge_thread(th->hdr, th->hdr ? th->events : NULL,
					       snap->probes, snap->probes_hdr->nevents,
					       th->hdr ? th->hdr->tid : 0);

	if (!copy)
		return -ENOMEM;
	th->merged = copy;
	th->hdr = copy;
	th->events = (const struct ctr_event *)(copy + 1);
	return 0;
}

/* Gives every thread its probe events; tids with probe events and no
 * THREAD chunk get a thread of their own, after the others. */
static int merge_probes(struct reader_snapshot *snap)
{
	const struct ctr_probe_event *pe = snap->probes;
	size_t had = snap->nthreads;

	for (size_t i = 0; i < had; i++)
		if (merge_into(&snap->threads[i], snap))
			return -ENOMEM;
	for (uint64_t p = 0; p < snap->probes_hdr->nevents; p++) {
		struct reader_thread *th;
		size_t t = 0;

		while (t < snap->nthreads && snap->threads[t].hdr->tid != pe[p].tid)
			t++;
		if (t < snap->nthreads)
			continue;
		th = append((void **)&snap->threads, &snap->nthreads, sizeof(*th));
		if (!th || !(th->merged = merge_thread(NULL, NULL, pe, snap->probes_hdr->nevents,
						       pe[p].tid)))
			return -ENOMEM;
		th->hdr = th->merged;
		th->events = (const struct ctr_event *)(th->hdr + 1);
	}
	return 0;
}

static void free_model(struct reader *r)
{
	for (size_t i = 0; i < r->nsnapshots; i++) {
		for (size_t t = 0; t < r->snapshots[i].nthreads; t++)
			free(r->snapshots[i].threads[t].merged);
		free(r->snapshots[i].modules);
		free(r->snapshots[i].threads);
		free(r->snapshots[i].stacks);
	}
	free(r->snapshots);
	r->snapshots = NULL;
	r->nsnapshots = 0;
	free(r->packed);
	r->packed = NULL;
	r->npacked = 0;
}

int reader_load(struct reader *r, const void *data, size_t size)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->size = size;
	err = check_file_header(r);
	if (!err)
		err = read_chunks(r);
	for (size_t i = 0; !err && i < r->nsnapshots; i++)
		if (r->snapshots[i].probes_hdr)
			err = merge_probes(&r->snapshots[i]);
	if (err == -ENOMEM)
		fail(r, 0, "out of memory");
	if (err)
		free_model(r);
	return err;
}

int reader_open(struct reader *r, const char *path)
{
	struct stat st;
	void *map = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	memset(r, 0, sizeof(*r));
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		fail(r, 0, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fail(r, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = -errno;
			fail(r, 0, "cannot map: %s", strerror(errno));
			goto out;
		}
	}
	err = reader_load(r, map ? map : "", st.st_size);
	r->mapped = map != NULL;
	if (err && map)
		munmap(map, st.st_size);
	if (err)
		r->mapped = 0;
out:
	if (fd >= 0)
		close(fd);
	return err;
}

void reader_close(struct reader *r)
{
	free_model(r);
	if (r->mapped)
		munmap((void *)r->data, r->size);
	/* err and err_offset stay readable after a failed load is closed. */
	r->data = NULL;
	r->size = 0;
	r->mapped = 0;
	r->chunks = 0;
}

const char *reader_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[CTR_REASON_API] = "api", [CTR_REASON_SIGNAL] = "signal",
		[CTR_REASON_EXIT] = "exit", [CTR_REASON_FLOW] = "flow",
		[CTR_REASON_CORE] = "core", [CTR_REASON_ATTACH] = "attach",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : NULL;
}

const char *reader_clock_source_name(uint32_t source)
{
	static const char *const names[] = { "cpuid", "hypervisor", "kernel",
					     "measured" };

	return source < 4 ? names[source] : NULL;
}

const char *reader_sched_type_name(unsigned type)
{
	static const char *const names[CTR_SCHED_TYPES] = {
		[CTR_SCHED_SWITCH] = "sched_switch",
		[CTR_SCHED_WAKING] = "sched_waking",
		[CTR_SCHED_WAKEUP_NEW] = "sched_wakeup_new",
		[CTR_SCHED_PROCESS_EXIT] = "sched_process_exit",
		[CTR_SCHED_NEWTASK] = "task_newtask",
		[CTR_SCHED_RENAME] = "task_rename",
	};

	return type < CTR_SCHED_TYPES ? names[type] : NULL;
}

const char *reader_mode_name(unsigned mode)
{
	static const char *const names[] = CTR_MODE_NAMES;

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : NULL;
}

const char *reader_kind_name(unsigned kind)
{
	switch (kind) {
	case CTR_KIND_CALL: return "call";
	case CTR_KIND_RETURN: return "return";
	case CTR_KIND_CATCH: return "catch";
	case CTR_KIND_LONGJMP: return "longjmp";
	case CTR_KIND_LOG: return "log";
	case CTR_KIND_COUNTER: return "counter";
	case CTR_KIND_INSTANT: return "instant";
	case CTR_KIND_FLOW_BEGIN: return "flow_begin";
	case CTR_KIND_FLOW_END: return "flow_end";
	case CTR_KIND_SIGNAL_ENTER: return "signal";
	case CTR_KIND_SIGNAL_LEAVE: return "signal_end";
	case CTR_KIND_SWITCH: return "switch";
	default: return NULL;
	}
}
