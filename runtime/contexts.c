/* contexts.c - stack switches: ucontext's swapcontext and setcontext are
 * interposed (as pthread_create is), and ctrail_fiber_switch is the API
 * for schedulers that switch stacks themselves.  Each records a SWITCH
 * event (format/ctr.h) before the switch, on the stack being left, so the
 * decoder files every later event under the stack it ran on.
 *
 * A context is known by the address of its ucontext_t.  makecontext is
 * interposed too, so that a context starts in `context_start`, which runs
 * the program's function and, when it returns, records the switch to
 * uc_link that glibc then makes by itself (unseen, from inside libc).  The
 * function's address travels as context_start's first argument, which is
 * also how a switch into a fresh context names it: its saved registers
 * say it will run context_start with that function in rdi. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <ucontext.h>
#include "ctrail.h"
#include "runtime.h"

/* Arguments makecontext passes on through context_start; with more, the
 * function is started directly (and its context named "context 0x..."). */
#define START_ARGS 14
#define MAX_ARGS 32

static void *next_symbol(void **cache, const char *name)
{
	if (!*cache)
		*cache = dlsym(RTLD_NEXT, name);
	return *cache;
}

static void put_switch(uint64_t target, uint64_t saved, uint64_t name)
{
	uint64_t slots[2] = { target, saved };

	ring_put_slots(CTR_KIND_SWITCH, (const void *)(uintptr_t)name, 2, slots);
}

typedef uint64_t w;

static void context_start(w fn, w link, w a0, w a1, w a2, w a3, w a4, w a5,
			  w a6, w a7, w a8, w a9, w a10, w a11, w a12, w a13)
{
	((void (*)(w, w, w, w, w, w, w, w, w, w, w, w, w, w))fn)(
		a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
	/* glibc goes on to setcontext(uc_link), or exits when it is NULL */
	if (link)
		put_switch(link, 0, 0);
}

/* The function a context will start in, if it is a fresh one of ours. */
static uint64_t context_function(const ucontext_t *uc)
{
	if (uc->uc_mcontext.gregs[REG_RIP] == (greg_t)(uintptr_t)context_start)
		return uc->uc_mcontext.gregs[REG_RDI];
	return 0;
}

void makecontext(ucontext_t *uc, void (*fn)(void), int argc, ...)
{
	static void *real;
	void (*mk)(ucontext_t *, void (*)(void), int, ...) =
		next_symbol(&real, "makecontext");
	w a[MAX_ARGS] = { 0 };
	va_list ap;

	if (!mk)
		return;
	va_start(ap, argc);
	for (int i = 0; i < argc && i < MAX_ARGS; i++)
		a[i] = va_arg(ap, w);
	va_end(ap);
	if (argc < 0 || argc > START_ARGS) {
		mk(uc, fn, argc, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
		   a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16],
		   a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25],
		   a[26], a[27], a[28], a[29], a[30], a[31]);
		return;
	}
	mk(uc, (void (*)(void))context_start, START_ARGS + 2, (w)(uintptr_t)fn,
	   (w)(uintptr_t)uc->uc_link, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
	   a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
}

int swapcontext(ucontext_t *save, const ucontext_t *uc)
{
	static void *real;
	int (*swap)(ucontext_t *, const ucontext_t *) = next_symbol(&real, "swapcontext");

	if (!swap) {
		errno = ENOSYS;
		return -1;
	}
	put_switch((uintptr_t)uc, (uintptr_t)save, context_function(uc));
	return swap(save, uc);
}

int setcontext(const ucontext_t *uc)
{
	static void *real;
	int (*set)(const ucontext_t *) = next_symbol(&real, "setcontext");

	if (!set) {
		errno = ENOSYS;
		return -1;
	}
	put_switch((uintptr_t)uc, 0, context_function(uc));
	return set(uc);
}

void ctrail_fiber_switch(uint64_t id, const char *name)
{
	ring_put_slots(CTR_KIND_SWITCH, name, 1, &id);
}
