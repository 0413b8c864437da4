/* signals.c - the program's signal handlers, wrapped so that every
 * delivery is in the trace: sigaction and the signal() family are
 * interposed (as pthread_create is) and install a wrapper in the kernel in
 * place of the program's handler, which the wrapper calls between a
 * SIGNAL_ENTER and a SIGNAL_LEAVE event (format/ctr.h): `on_info` for a
 * handler that takes siginfo (SA_SIGINFO), `on_plain` for one that does
 * not, so the kernel delivers exactly as it would to the program's.
 *
 * `handlers` holds, per calling convention (plain, siginfo) and signal, the
 * program's handler, written before the kernel gets the wrapper, so the
 * wrapper never finds its entry empty.  Each wrapper reads the entry of
 * its own convention, one pointer: a delivery racing a change runs the old
 * handler or the new one, each called the way it expects.  Everything
 * else the program asked for (flags, mask) goes to the kernel unchanged,
 * and the old action given back holds the program's handler, never ours.
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

enum { PLAIN, INFO };

static int (*next_sigaction)(int, const struct sigaction *, struct sigaction *);
static void *handlers[2][_NSIG];
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
static void run_handler(int kind, int sig, siginfo_t *info, void *uc)
{
	void *fn = __atomic_load_n(&handlers[kind][sig], __ATOMIC_ACQUIRE);
	int saved = errno, traced = ctrail_tls.state == TLS_ACTIVE;

	if (traced)
		ring_put_kind(CTR_KIND_SIGNAL_ENTER, sig);
	errno = saved;
	if (kind == INFO)
		((void (*)(int, siginfo_t *, void *))fn)(sig, info, uc);
	else
		((void (*)(int))fn)(sig);
	saved = errno;
	if (traced)
		ring_put_kind(CTR_KIND_SIGNAL_LEAVE, sig);
	errno = saved;
}

static void on_info(int sig, siginfo_t *info, void *uc)
{
	run_handler(INFO, sig, info, uc);
}

static void on_plain(int sig)
{
	run_handler(PLAIN, sig, NULL, NULL);
}

static int is_wrapper(const void *fn)
{
	return fn == (void *)on_info || fn == (void *)on_plain;
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
		self = object_of((const void *)on_info);
	return self && self->l_name && self->l_name[0] && object_of(fn) == self;
}

static int kind_of(const struct sigaction *act)
{
	return act->sa_flags & SA_SIGINFO ? INFO : PLAIN;
}

static void *handler_of(const struct sigaction *act)
{
	return kind_of(act) == INFO ? (void *)act->sa_sigaction : (void *)act->sa_handler;
}

static int wrappable(int sig, const struct sigaction *act)
{
	void *fn = handler_of(act);

	return sig > 0 && sig < _NSIG && fn != (void *)SIG_DFL &&
	       fn != (void *)SIG_IGN && !is_wrapper(fn) && !runtime_code(fn);
}

/* Puts the program's act in the table and returns the action that
 * installs our wrapper for it instead. */
static struct sigaction wrap(int sig, const struct sigaction *act)
{
	struct sigaction mine = *act;

	__atomic_store_n(&handlers[kind_of(act)][sig], handler_of(act), __ATOMIC_RELEASE);
	if (kind_of(act) == INFO)
		mine.sa_sigaction = on_info;
	else
		mine.sa_handler = on_plain;
	return mine;
}

/* The program's handler in place of our wrapper fn, from prev, the table
 * as it was before the change. */
static void *program_handler(void *fn, void *const prev[2])
{
	return fn == (void *)on_info ? prev[INFO] : fn == (void *)on_plain ? prev[PLAIN] : fn;
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
	void *prev[2];
	int rc, err;

	if (sig <= 0 || sig >= _NSIG) /* libc says EINVAL */
		return real_sigaction(sig, act, old);
	lock_take(&saved);
	prev[PLAIN] = handlers[PLAIN][sig];
	prev[INFO] = handlers[INFO][sig];
	if (act && wrappable(sig, act)) {
		mine = wrap(sig, act);
		if ((rc = real_sigaction(sig, &mine, old)))
			__atomic_store_n(&handlers[kind_of(act)][sig], prev[kind_of(act)],
					 __ATOMIC_RELEASE);
	} else {
		rc = real_sigaction(sig, act, old);
	}
	err = errno;
	if (rc == 0 && old && is_wrapper((void *)old->sa_sigaction))
		/* the union: sa_handler too, for a plain one */
		old->sa_sigaction = program_handler((void *)old->sa_sigaction, prev);
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
	void *before[2];
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
	if (prev != SIG_ERR && sig > 0 && sig < _NSIG) {
		before[PLAIN] = handlers[PLAIN][sig];
		before[INFO] = handlers[INFO][sig];
		prev = (sighandler_t)program_handler((void *)prev, before);
		if (real_sigaction(sig, NULL, &cur) == 0 && wrappable(sig, &cur)) {
			cur = wrap(sig, &cur);
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
