/* signals.c - the program's signal handlers, wrapped so that every
 * delivery is in the trace: sigaction and the signal() family are
 * interposed (as pthread_create is) and install `on_signal` in the kernel
 * in place of the program's handler, which on_signal calls between a
 * SIGNAL_ENTER and a SIGNAL_LEAVE event (format/ctr.h).
 *
 * `handlers` holds, per signal, the program's handler as one word: its
 * address, with bit 63 set when it takes siginfo (SA_SIGINFO).  One word,
 * so a delivery racing a change reads the old handler or the new one,
 * never half of each.  It is written before the kernel gets the wrapper,
 * so the wrapper never finds it empty.  Everything else the program asked
 * for (mask, SA_RESTART, SA_RESETHAND, SA_NODEFER, SA_ONSTACK) goes to the
 * kernel unchanged; only SA_SIGINFO is added, and taken off again in the
 * old action given back, whose handler is the program's, never ours.
 * SIG_DFL and SIG_IGN pass through untouched, and so do the runtime's own
 * handlers (those in libctrail.so: the SIGTRAP trigger and the like).
 *
 * Changes are serialized by a spin lock taken with every signal blocked,
 * so neither another thread nor a handler calling sigaction (which POSIX
 * allows) can interleave a table update with the kernel's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include "runtime.h"

#define SIGINFO_BIT (UINT64_C(1) << 63)

static int (*next_sigaction)(int, const struct sigaction *, struct sigaction *);
static uint64_t handlers[_NSIG];
static int lock;

static void signals_init(void)
{
	if (!next_sigaction)
		next_sigaction = dlsym(RTLD_NEXT, "sigaction");
}

int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	signals_init();
	if (!next_sigaction) { /* a -static link */
		errno = ENOSYS;
		return -1;
	}
	return next_sigaction(sig, act, old);
}

/* Runs the program's handler between the two events.  errno is kept for
 * the handler and for the interrupted code; a handler left by siglongjmp
 * records no SIGNAL_LEAVE (unwind.c records the longjmp).  Only a thread
 * with its ring records: setting one up (TLS_NEW) allocates, which a
 * handler must not do. */
static void on_signal(int sig, siginfo_t *info, void *uc)
{
	uint64_t h = __atomic_load_n(&handlers[sig], __ATOMIC_ACQUIRE);
	void *fn = (void *)(uintptr_t)(h & ~SIGINFO_BIT);
	int saved = errno, traced = ctrail_tls.state == TLS_ACTIVE;

	if (traced)
		ring_put_kind(CTR_KIND_SIGNAL_ENTER, sig);
	errno = saved;
	if (h & SIGINFO_BIT)
		((void (*)(int, siginfo_t *, void *))fn)(sig, info, uc);
	else
		((void (*)(int))fn)(sig);
	saved = errno;
	if (traced)
		ring_put_kind(CTR_KIND_SIGNAL_LEAVE, sig);
	errno = saved;
}

/* The link map of the object holding addr, or NULL. */
static const struct link_map *object_of(const void *addr)
{
	Dl_info info;
	struct link_map *map = NULL;

	if (!dladdr1(addr, &info, (void **)&map, RTLD_DL_LINKMAP))
		return NULL;
	return map;
}

/* Is fn in libctrail.so itself?  When the runtime is linked into the
 * executable (libctrail.a) its handlers cannot be told apart by object,
 * and are wrapped like the program's. */
static int runtime_code(const void *fn)
{
	static const struct link_map *self;

	if (!self)
		self = object_of((const void *)on_signal);
	return self && self->l_name && self->l_name[0] && object_of(fn) == self;
}

static int wrappable(int sig, const struct sigaction *act)
{
	void *fn = (act->sa_flags & SA_SIGINFO) ? (void *)act->sa_sigaction
						: (void *)act->sa_handler;

	return sig > 0 && sig < _NSIG && fn != (void *)SIG_DFL &&
	       fn != (void *)SIG_IGN && fn != (void *)on_signal && !runtime_code(fn);
}

static uint64_t handler_word(const struct sigaction *act)
{
	if (act->sa_flags & SA_SIGINFO)
		return (uintptr_t)act->sa_sigaction | SIGINFO_BIT;
	return (uintptr_t)act->sa_handler;
}

/* Gives the program its own handler back in an old action the kernel
 * returned with our wrapper in it; h is the table's word for it. */
static void unwrap(struct sigaction *old, uint64_t h)
{
	if (old->sa_sigaction != on_signal)
		return;
	if (h & SIGINFO_BIT) {
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))(uintptr_t)(h & ~SIGINFO_BIT);
	} else {
		old->sa_flags &= ~SA_SIGINFO;
		old->sa_handler = (void (*)(int))(uintptr_t)h;
	}
}

static void lock_take(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, saved);
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void lock_drop(const sigset_t *saved)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction mine;
	sigset_t saved;
	uint64_t prev;
	int rc, err;

	if (sig <= 0 || sig >= _NSIG) /* libc says EINVAL */
		return real_sigaction(sig, act, old);
	lock_take(&saved);
	prev = handlers[sig];
	if (act && wrappable(sig, act)) {
		mine = *act;
		mine.sa_sigaction = on_signal;
		mine.sa_flags |= SA_SIGINFO;
		__atomic_store_n(&handlers[sig], handler_word(act), __ATOMIC_RELEASE);
		rc = real_sigaction(sig, &mine, old);
		if (rc)
			__atomic_store_n(&handlers[sig], prev, __ATOMIC_RELEASE);
	} else {
		rc = real_sigaction(sig, act, old);
	}
	err = errno;
	if (rc == 0 && old)
		unwrap(old, prev);
	lock_drop(&saved);
	errno = err;
	return rc;
}

/* The signal() family installs through libc's own sigaction, which we do
 * not see: so the real one runs (with libc's exact flags, siginterrupt
 * included), then the handler it installed is wrapped with those flags.
 * A signal arriving in between runs the program's handler unrecorded. */
static sighandler_t wrap_after(sighandler_t (*real)(int, sighandler_t), int sig,
			       sighandler_t fn)
{
	struct sigaction cur, old;
	sighandler_t prev;
	sigset_t saved;
	int err;

	if (!real) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	lock_take(&saved);
	prev = real(sig, fn);
	err = errno;
	if (prev != SIG_ERR) {
		if (sig > 0 && sig < _NSIG && (void *)prev == (void *)on_signal)
			prev = (sighandler_t)(uintptr_t)(handlers[sig] & ~SIGINFO_BIT);
		if (real_sigaction(sig, NULL, &cur) == 0 && wrappable(sig, &cur)) {
			__atomic_store_n(&handlers[sig], handler_word(&cur), __ATOMIC_RELEASE);
			cur.sa_sigaction = on_signal;
			cur.sa_flags |= SA_SIGINFO;
			real_sigaction(sig, &cur, &old);
		}
	}
	lock_drop(&saved);
	errno = err;
	return prev;
}

#define SIGNAL_WRAPPER(name)                                                  \
	sighandler_t name(int sig, sighandler_t fn)                           \
	{                                                                     \
		static sighandler_t (*real)(int, sighandler_t);               \
		if (!real)                                                    \
			real = dlsym(RTLD_NEXT, #name);                       \
		return wrap_after(real, sig, fn);                             \
	}

SIGNAL_WRAPPER(signal)
SIGNAL_WRAPPER(bsd_signal)
SIGNAL_WRAPPER(sysv_signal)

/* Resolved before main, so no handler's first sigaction calls dlsym. */
__attribute__((constructor)) static void signals_start(void)
{
	signals_init();
}
