/* thread.c - the thread registry: rings are made when a thread starts,
 * kept after it exits until the next snapshot, and paused and resumed here.
 *
 * live_threads and exited_threads are singly linked lists guarded by
 * registry_lock.  Other threads write a thread's TLS `base` only under the
 * lock (pausing); the thread itself reads it without one, so a pause takes
 * effect within an event or two, which is all a snapshot needs.
 *
 * pthread_create is interposed so a new thread has its ring before it runs
 * user code; a thread-specific-data destructor retires the ring at exit,
 * which also covers pthread_exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ctrail.h"
#include "runtime.h"

pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
struct ctrail_thread *live_threads, *exited_threads;
uint32_t dropped_threads;
uint64_t dropped_events;
int (*real_pthread_create)(pthread_t *, const pthread_attr_t *,
			   void *(*)(void *), void *);

static int process_paused;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static char *ring_map(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Where the thread should write now: its ring, or NULL while paused.
 * Called with registry_lock held. */
static void thread_apply_pause(struct ctrail_thread *t)
{
	char *base = (process_paused || t->paused) ? NULL : t->ring;

	__atomic_store_n(&t->tls->base, base, __ATOMIC_RELAXED);
}

uint64_t thread_off(const struct ctrail_thread *t)
{
	/* the writer bumps the offset before it stores into the slot; x86
	 * keeps loads in order, so the acquire only has to stop the
	 * compiler from moving the caller's ring reads across this one */
	return t->tls ? __atomic_load_n(&t->tls->off, __ATOMIC_ACQUIRE)
		      : t->final_off;
}

static void list_remove(struct ctrail_thread **list, struct ctrail_thread *t)
{
	for (struct ctrail_thread **p = list; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			return;
		}
}

static int listed(const struct ctrail_thread *list, const struct ctrail_thread *t)
{
	for (; list; list = list->next)
		if (list == t)
			return 1;
	return 0;
}

int thread_listed(const struct ctrail_thread *t)
{
	return listed(live_threads, t) || listed(exited_threads, t);
}

static void thread_free(struct ctrail_thread *t)
{
	munmap(t->ring, t->size);
	free(t);
}

/* A record whose thread is gone and whose events no snapshot will read
 * becomes a spare, ring and all, while there are fewer than SPARE_MAX and
 * its ring has the default size; else it is freed.  Reusing one spares a
 * new thread the mmap, the first-touch page fault and the munmap (with its
 * TLB shootdown) later.  Beyond its first SPARE_RESIDENT bytes the ring's
 * pages are given back, so spares hold little memory.  Called with
 * registry_lock held. */
#define SPARE_MAX 8
#define SPARE_RESIDENT (64 << 10)
static struct ctrail_thread *spares;
static unsigned nspares;

static void thread_retire(struct ctrail_thread *t)
{
	if (nspares == SPARE_MAX || t->size != config.ring_size) {
		thread_free(t);
		return;
	}
	if (t->final_off > SPARE_RESIDENT && t->size > SPARE_RESIDENT)
		madvise(t->ring + SPARE_RESIDENT, t->size - SPARE_RESIDENT, MADV_DONTNEED);
	t->next = spares;
	spares = t;
	nspares++;
}

/* A zeroed record with a ring of the default size, for a new thread: a
 * spare, or a new one; NULL without memory.  A spare's ring still holds
 * its last thread's events, which ring_drop_unwritten() tells from the new
 * ones by their older stamps, as it does a previous lap's; only the first
 * slots, where it takes its floor from, are zeroed. */
static struct ctrail_thread *thread_new(void)
{
	struct ctrail_thread *t;

	config_init();
	pthread_mutex_lock(&registry_lock);
	if ((t = spares)) {
		spares = t->next;
		nspares--;
	}
	pthread_mutex_unlock(&registry_lock);
	if (t) {
		char *ring = t->ring;
		uint64_t size = t->size;
		memset(t, 0, sizeof(*t));
		t->ring = ring;
		t->size = size;
		memset(ring, 0, 4 * sizeof(struct ctr_event));
		return t;
	}
	if (!(t = calloc(1, sizeof(*t))))
		return NULL;
	if (!(t->ring = ring_map(config.ring_size))) {
		free(t);
		return NULL;
	}
	t->size = config.ring_size;
	return t;
}

/* Keeps at most config.max_exited exited threads, newest first, freeing
 * and counting the oldest.  Called with registry_lock held. */
static void exited_trim(void)
{
	struct ctrail_thread **p = &exited_threads;

	for (uint32_t i = 0; i < config.max_exited && *p; i++)
		p = &(*p)->next;
	while (*p) {
		struct ctrail_thread *old = *p;
		*p = old->next;
		dropped_threads++;
		dropped_events += old->final_off / sizeof(struct ctr_event);
		thread_retire(old);
	}
}

/* The thread's ring goes to the exited list, where other threads free it
 * (exited_trim, threads_forget).  base is set to NULL under the lock
 * and after the record left the live list, so no resume can give it back,
 * and no hook of this thread is running (we are the thread, not in a
 * hook); traced code that runs after this (later destructors) finds
 * state GONE and writes nothing.  final_off is read last, after any
 * handler that interrupted us here was done. */
static void thread_exit(void *arg)
{
	struct ctrail_thread *t = arg;

	pthread_getname_np(pthread_self(), t->name, sizeof(t->name));
	pthread_mutex_lock(&registry_lock);
	list_remove(&live_threads, t);
	ctrail_tls.state = TLS_GONE;
	__atomic_store_n(&ctrail_tls.base, NULL, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->final_off = ctrail_tls.off;
	t->tls = NULL;
	t->next = exited_threads;
	exited_threads = t;
	exited_trim();
	pthread_mutex_unlock(&registry_lock);
}

static void exit_key_make(void)
{
	pthread_key_create(&exit_key, thread_exit);
}

/* Makes t (from thread_new) the calling thread's record and registers
 * it; the thread's state is TLS_STARTING.  Only the main thread has no
 * destructor: its ring stays live until the process ends. */
static void thread_install(struct ctrail_thread *t, int is_main)
{
	struct ctrail_tls *tls = &ctrail_tls;

	t->tid = gettid();
	t->is_main = is_main;
	t->handle = pthread_self();
	t->tls = tls;
	tls->off = 0;
	tls->mask = t->size - 1;
	tls->thread = t;
	pthread_once(&exit_key_once, exit_key_make);
	if (!is_main)
		pthread_setspecific(exit_key, t);
	pthread_mutex_lock(&registry_lock);
	t->next = live_threads;
	live_threads = t;
	tls->state = TLS_ACTIVE;
	thread_apply_pause(t);
	pthread_mutex_unlock(&registry_lock);
}

/* Gives the calling thread (the main thread, or one not made by our
 * pthread_create) a ring and registers it.  On failure (no memory) the
 * thread simply is not traced. */
void thread_start(void)
{
	struct ctrail_thread *t;

	if (ctrail_tls.state != TLS_NEW)
		return;
	ctrail_tls.state = TLS_STARTING;
	threads_init();
	if (!(t = thread_new())) {
		ctrail_tls.state = TLS_GONE;
		return;
	}
	thread_install(t, gettid() == getpid());
}

/* A thread made by our pthread_create starts here with the record its
 * creator made for it: no allocation in the new thread, and it is
 * registered before user code runs.  Until the first store below, a
 * signal handler that traces would set up a ring itself
 * (ctrail_first_event), the one window left. */
static void *thread_trampoline(void *p)
{
	struct ctrail_thread *t = p;
	void *(*fn)(void *) = t->start_fn, *arg = t->start_arg;

	ctrail_tls.state = TLS_STARTING;
	thread_install(t, 0);
	return fn(arg);
}

/* Without memory for a record and ring the thread is made all the same,
 * and traced if its first event finds some. */
int pthread_create(pthread_t *th, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	struct ctrail_thread *t;
	int rc;

	if (!real_pthread_create)
		threads_init();
	if (!real_pthread_create) /* a -static link: no libc to pass on to */
		return ENOSYS;
	if (!(t = thread_new()))
		return real_pthread_create(th, attr, fn, arg);
	t->start_fn = fn;
	t->start_arg = arg;
	rc = real_pthread_create(th, attr, thread_trampoline, t);
	if (rc) {
		pthread_mutex_lock(&registry_lock);
		thread_retire(t);
		pthread_mutex_unlock(&registry_lock);
	}
	return rc;
}

void threads_init(void)
{
	if (!real_pthread_create)
		real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
}

/* Pauses (delta 1) or resumes (delta -1) every thread. */
void threads_pause_all(int delta)
{
	pthread_mutex_lock(&registry_lock);
	process_paused += delta;
	if (process_paused < 0)
		process_paused = 0;
	for (struct ctrail_thread *t = live_threads; t; t = t->next)
		thread_apply_pause(t);
	pthread_mutex_unlock(&registry_lock);
}

/* Frees the exited threads' rings once a snapshot has them. */
void threads_forget(struct ctrail_thread *const *done, size_t n,
		    uint32_t threads, uint64_t events)
{
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < n; i++)
		if (listed(exited_threads, done[i])) {
			list_remove(&exited_threads, done[i]);
			thread_retire(done[i]);
		}
	/* those dropped since the snapshot was taken stay counted */
	dropped_threads -= threads < dropped_threads ? threads : dropped_threads;
	dropped_events -= events < dropped_events ? events : dropped_events;
	pthread_mutex_unlock(&registry_lock);
}

void ctrail_pause(void)
{
	threads_pause_all(1);
}

void ctrail_resume(void)
{
	threads_pause_all(-1);
}

static void thread_pause_self(int delta)
{
	struct ctrail_thread *t;

	thread_start();
	if (!(t = ctrail_tls.thread) || ctrail_tls.state != TLS_ACTIVE)
		return;
	pthread_mutex_lock(&registry_lock);
	t->paused += delta;
	if (t->paused < 0)
		t->paused = 0;
	thread_apply_pause(t);
	pthread_mutex_unlock(&registry_lock);
}

void ctrail_thread_pause(void)
{
	thread_pause_self(1);
}

void ctrail_thread_resume(void)
{
	thread_pause_self(-1);
}

int ctrail_thread_set_ring_size(size_t bytes)
{
	struct ctrail_thread *t;
	uint64_t size;
	char *ring, *old;

	if (bytes == 0 || bytes > (UINT64_C(1) << 40))
		return -EINVAL;
	size = ring_size_round(bytes);
	thread_start();
	if (!(t = ctrail_tls.thread) || ctrail_tls.state != TLS_ACTIVE)
		return -ENOMEM;
	if (!(ring = ring_map(size)))
		return -ENOMEM;
	/* base goes NULL before off and mask change and the old ring is
	 * unmapped, and comes back after: a handler that traces meanwhile
	 * writes nothing (the fences keep the compiler to that order) */
	pthread_mutex_lock(&registry_lock);
	old = t->ring;
	__atomic_store_n(&ctrail_tls.base, NULL, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->ring = ring;
	ctrail_tls.off = 0;
	ctrail_tls.mask = size - 1;
	munmap(old, t->size);
	t->size = size;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	thread_apply_pause(t);
	pthread_mutex_unlock(&registry_lock);
	return 0;
}
