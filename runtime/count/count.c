/* count.c - libctrail-count: exact call counts per function, to find the
 * functions worth leaving uninstrumented (docs/runtime.md, "Counting
 * calls").  Programs get it with `ctrail-cc --count`: the same compiler
 * hooks as libctrail, but the entry hooks add one to a counter and the
 * exit hooks return at once.
 *
 * Counters live in sparse tables over the code (layout in count.h): a
 * static top table of middle tables, middle tables of leaves, a leaf per
 * 64 KiB of code holding one counter per 4 bytes.  Two functions' hook
 * addresses are at least 5 bytes apart (a call to a hook is 5 bytes), so
 * no two functions share a counter and the counts are exact.  Leaves exist
 * for every executable segment: they are made from the module map
 * (modules.c, dl_iterate_phdr) when the library starts, and when a hook
 * meets an address without a leaf (code of a library dlopen'ed since, or
 * a call before our constructor) the slow path takes the lock, re-reads
 * the loaded objects and makes the missing leaves.  So the common path is
 * two loads and a `lock incq`: no allocation, no compare-and-swap, and
 * nothing to race with: one instruction is atomic against other threads
 * and against signal handlers, tables only ever gain pointers (published
 * with release stores once zeroed) and are never freed, and no pause,
 * ring or thread exit exists here.  Tables
 * are never freed; a dlclose'd library's counts stay for the report.
 *
 * The counts are written at exit (our destructor runs after those of the
 * program and its libraries) and on SIGTRAP, to CTRAIL_OUTPUT, as a .ctr
 * snapshot: SNAPSHOT, PROCESS, CLOCK and MODULE chunks (ctrfile.c) and a
 * COUNTS chunk of {address, calls} records (format/ctr.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <unistd.h>
#include <x86intrin.h>
#include "count.h"
#include "ctr_write.h"
#include "runtime.h"
#include "state.h"

_Static_assert((COUNT_TABLES & (COUNT_TABLES - 1)) == 0 && COUNT_TABLES <= 4096,
	       "COUNT_TABLES must be a power of two");

#define LEAF_BYTES ((size_t)COUNT_TABLES * COUNT_SLOTS * sizeof(uint64_t))
#define CODE_LIMIT (UINT64_C(1) << 48) /* what the top table can index */

/* Read without a lock by the hooks (here and in hooks_x86_64.S); pointers
 * are only ever set, under tables_lock, once their table is zeroed. */
HIDDEN uint64_t **count_top[COUNT_TOP_SIZE];
/* modules.c and clock.c copy the module map and clock into ctrail_state
 * for libctrail's core readers (state.h); here nothing reads it, and the
 * version script keeps it inside the library. */
struct ctrail_state ctrail_state;

static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long tables_adds; /* dlpi_adds when last refreshed */
static uint64_t missed;                /* calls from code in no segment */

HIDDEN void count_slow(uintptr_t a);

static inline uint64_t *leaf_of(uintptr_t a)
{
	uint64_t **mid = __atomic_load_n(&count_top[(uint16_t)(a >> COUNT_TOP_SHIFT)],
					 __ATOMIC_ACQUIRE);

	return mid ? __atomic_load_n(&mid[(uint16_t)(a >> COUNT_WINDOW_SHIFT)],
				     __ATOMIC_ACQUIRE) : NULL;
}

static inline unsigned slot_of(uintptr_t a)
{
	return (uint16_t)a >> COUNT_SLOT_SHIFT;
}

/* The first counter of this CPU's copy.  The CPU number is the one the
 * kernel keeps in the thread's rseq area, which glibc registers (one TLS
 * load; RDTSCP costs ~30 ns in some VMs).  Without rseq it reads as a
 * constant, so every thread uses one copy: still exact. */
static inline unsigned table_of_cpu(void)
{
	const struct rseq *rs;

	if (COUNT_TABLES == 1)
		return 0;
	rs = (const void *)((char *)__builtin_thread_pointer() + __rseq_offset);
	return (__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED) &
		(COUNT_TABLES - 1)) * COUNT_SLOTS;
}

void __cyg_profile_func_enter(void *fn, void *site)
{
	uintptr_t a = (uintptr_t)fn + COUNT_CYG_BIAS;
	uint64_t *leaf = leaf_of(a);

	if (__builtin_expect(leaf != NULL, 1))
		__atomic_add_fetch(&leaf[table_of_cpu() + slot_of(a)], 1, __ATOMIC_RELAXED);
	else
		count_slow(a);
}

static void *table_new(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Makes the leaves of [start, end).  tables_lock held. */
static void cover(uint64_t start, uint64_t end)
{
	if (end > CODE_LIMIT)
		end = CODE_LIMIT;
	for (uint64_t w = start >> COUNT_WINDOW_SHIFT; start < end &&
	     w <= (end - 1) >> COUNT_WINDOW_SHIFT; w++) {
		uint64_t ***mid = &count_top[w >> (COUNT_TOP_SHIFT - COUNT_WINDOW_SHIFT)];
		uint64_t **leaf;

		if (!*mid) {
			uint64_t **m = table_new(COUNT_MID_SIZE * sizeof(*m));
			if (!m)
				return;
			__atomic_store_n(mid, m, __ATOMIC_RELEASE);
		}
		leaf = &(*mid)[w & (COUNT_MID_SIZE - 1)];
		if (!*leaf) {
			uint64_t *l = table_new(LEAF_BYTES);
			if (!l)
				return;
			__atomic_store_n(leaf, l, __ATOMIC_RELEASE);
		}
	}
}

static int adds_read(struct dl_phdr_info *info, size_t size, void *data)
{
	*(unsigned long long *)data = info->dlpi_adds;
	return 1;
}

/* Makes leaves for every executable segment loaded.  tables_lock held. */
static void tables_refresh(void)
{
	struct module_record *mods;
	uint32_t n;

	dl_iterate_phdr(adds_read, &tables_adds);
	modules_refresh();
	if (modules_copy(&mods, &n))
		return;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t s = 0; s < mods[i].hdr.nsegments; s++)
			if (!(mods[i].hdr.flags & CTR_MODULE_UNLOADED) &&
			    (mods[i].segs[s].prot & PF_X))
				cover(mods[i].segs[s].start, mods[i].segs[s].end);
	modules_free(mods, n);
}

/* An address with no leaf: refresh the tables if objects were loaded
 * since the last time, then count it, or count it as missed.  A signal
 * handler that meets code without a leaf while it interrupted this very
 * function on its thread counts its call as missed instead of waiting for
 * the lock its thread holds.  (From a handler this path is otherwise not
 * async-signal-safe: it reads the loaded objects and allocates.  Handlers
 * in code loaded at start, or already called once, never take it.) */
void count_slow(uintptr_t a)
{
	static __thread int in_slow
		__attribute__((tls_model("initial-exec")));
	unsigned long long adds = 0;
	uint64_t *leaf;

	if (in_slow) {
		__atomic_add_fetch(&missed, 1, __ATOMIC_RELAXED);
		return;
	}
	in_slow = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&tables_lock);
	if (!(leaf = leaf_of(a))) {
		dl_iterate_phdr(adds_read, &adds);
		if (adds != tables_adds || !tables_adds)
			tables_refresh();
		leaf = leaf_of(a);
	}
	pthread_mutex_unlock(&tables_lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	in_slow = 0;
	__atomic_add_fetch(leaf ? &leaf[slot_of(a)] : &missed, 1, __ATOMIC_RELAXED);
}

struct counts_file {
	struct ctr_snapshot snap;
	struct process_chunks proc;
	struct ctr_counts hdr;
	struct ctr_count *recs;
};

/* Appends the nonzero counters of one leaf, copies summed, to f->recs. */
static int leaf_collect(struct counts_file *f, const uint64_t *leaf,
			uint64_t base, size_t *cap)
{
	for (unsigned s = 0; s < COUNT_SLOTS; s++) {
		uint64_t calls = 0;

		for (unsigned t = 0; t < COUNT_TABLES; t++)
			calls += __atomic_load_n(&leaf[t * COUNT_SLOTS + s], __ATOMIC_RELAXED);
		if (!calls)
			continue;
		if (f->hdr.nrecords == *cap) {
			void *p = realloc(f->recs, (*cap = *cap ? 2 * *cap : 1024) *
					  sizeof(*f->recs));
			if (!p)
				return -ENOMEM;
			f->recs = p;
		}
		f->recs[f->hdr.nrecords++] = (struct ctr_count){
			base + ((uint64_t)s << COUNT_SLOT_SHIFT), calls };
	}
	return 0;
}

/* Every nonzero counter, by address.  tables_lock held. */
static int counts_collect(struct counts_file *f)
{
	size_t cap = 0;
	int rc = 0;

	f->hdr.slot_bytes = 1 << COUNT_SLOT_SHIFT;
	f->hdr.tables = COUNT_TABLES;
	f->hdr.missed = __atomic_load_n(&missed, __ATOMIC_RELAXED);
	for (uint64_t t = 0; t < COUNT_TOP_SIZE && !rc; t++)
		for (uint64_t m = 0; count_top[t] && m < COUNT_MID_SIZE && !rc; m++)
			if (count_top[t][m])
				rc = leaf_collect(f, count_top[t][m],
						  t << COUNT_TOP_SHIFT | m << COUNT_WINDOW_SHIFT,
						  &cap);
	return rc;
}

static int counts_body(struct ctr_writer *w, const void *arg)
{
	const struct counts_file *f = arg;
	struct iovec v[2] = { { (void *)&f->snap, sizeof(f->snap) } };
	int rc = ctr_write_chunk(w, CTR_CHUNK_SNAPSHOT, v, 1);

	if (!rc)
		rc = process_chunks_write(w, &f->proc);
	v[0] = (struct iovec){ (void *)&f->hdr, sizeof(f->hdr) };
	v[1] = (struct iovec){ f->recs, f->hdr.nrecords * sizeof(*f->recs) };
	return rc ? rc : ctr_write_chunk(w, CTR_CHUNK_COUNTS, v, 2);
}

static int counts_write(uint32_t reason)
{
	struct counts_file f = { .snap = { .taken_tsc = __rdtsc(), .reason = reason } };
	int rc;

	pthread_mutex_lock(&tables_lock);
	tables_refresh();
	rc = counts_collect(&f);
	pthread_mutex_unlock(&tables_lock);
	if (!rc)
		rc = process_chunks_take(&f.proc);
	if (!rc) {
		rc = ctr_file_write(config.output, counts_body, &f);
		process_chunks_free(&f.proc);
	}
	free(f.recs);
	if (rc && rc != -ECANCELED) /* -ECANCELED: exit gave up and said so */
		fprintf(stderr, "ctrail: cannot write call counts to %s: %s\n",
			config.output, strerror(-rc));
	return rc;
}

static void write_on_signal(void)
{
	counts_write(CTR_REASON_SIGNAL);
}

/* A child counts its own calls only, so the files of a parent and its
 * children add up: its counters start from zero (the pages are dropped,
 * to read back as zeros), and its helper thread is started anew. */
static void forget_parent(void)
{
	pthread_mutex_init(&tables_lock, NULL);
	missed = 0;
	for (uint64_t t = 0; t < COUNT_TOP_SIZE; t++)
		for (uint64_t m = 0; count_top[t] && m < COUNT_MID_SIZE; m++)
			if (count_top[t][m])
				madvise(count_top[t][m], LEAF_BYTES, MADV_DONTNEED);
	ctr_file_after_fork();
	sigtrap_after_fork();
}

__attribute__((constructor)) static void count_init(void)
{
	config_init();
	clock_init();
	pthread_mutex_lock(&tables_lock);
	tables_refresh();
	pthread_mutex_unlock(&tables_lock);
	sigtrap_init(&(struct sigtrap_trigger){ write_on_signal, NULL, pthread_create });
	pthread_atfork(NULL, NULL, forget_parent);
	record_init();
}

/* Waits for counts being written on SIGTRAP first (ctrfile.c). */
__attribute__((destructor)) static void count_fini(void)
{
	ctr_file_exit_wait();
	counts_write(CTR_REASON_EXIT);
}
