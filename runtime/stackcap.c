/* stackcap.c - a live thread's registers and the top of its stack, taken
 * when a snapshot is (the STACK chunk of format/ctr.h), so the decoder can
 * unwind the calls that were open before the thread's ring began.
 *
 * The snapshotting thread asks one thread at a time through `req`, the one
 * request slot: it stores the target's tid and ASKED in the futex word
 * `req.word` and sends CTRAIL_STACK_SIGNAL with tgkill.  The handler, on
 * the target, claims the request by turning tid|ASKED into tid|COPYING,
 * copies its ucontext registers and up to config.stack_bytes of its stack
 * into req.hdr and req.buf, stores tid|DONE and wakes the requester, which
 * then copies them out.  Why this is safe:
 *   - only a handler whose own tid is in the word can claim it, and only
 *     the claimer writes req.hdr and req.buf until it stores DONE; the
 *     requester reads them only after DONE (acquire/release on the word);
 *   - the requester waits at most STACK_TIMEOUT_NS for a thread that does
 *     not answer (the signal blocked, the thread exiting, dead or not
 *     scheduled), and a snapshot at most STACK_WAIT_NS in all, then
 *     takes the request back with a CAS from tid|ASKED to IDLE; if the CAS
 *     fails the handler has claimed it, and copying is bounded, so the
 *     requester waits for DONE without a limit;
 *   - a signal that arrives late (after a timeout, or queued while
 *     blocked) finds IDLE or another tid and does nothing; if it finds its
 *     own tid asked again, its copy answers that request, rightly;
 *   - capture_lock makes requests one at a time (two snapshots at once
 *     take turns).
 * The handler reads its stack with process_vm_readv on its own process,
 * page by page, so it stops at the first unmapped page instead of
 * faulting, and no further than the top of the thread's stack (req.top,
 * from pthread_getattr_np, when the stack pointer is below it), so no
 * other mapping's bytes end up in the file.  The handler is installed
 * with the real sigaction, SA_RESTART and SA_ONSTACK, the first time a
 * stack is wanted, and only if the program has no handler of its own for
 * that signal; a program that installs one later gets no more requests.
 * The thread taking the snapshot asks itself the same way: tgkill delivers
 * to itself before it returns (flag CTR_STACK_SELF). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "ctrail.h"
#include "runtime.h"

#define STACK_TIMEOUT_NS (20 * 1000 * 1000)
#define PAGE 4096
#define PAGES_PER_READ 16

enum { IDLE = 0, ASKED = 1, COPYING = 2, DONE = 3 };
#define WORD(tid, phase) ((uint32_t)(tid) << 2 | (phase))

static struct {
	uint32_t word;        /* futex: tid << 2 | phase, or IDLE */
	uint64_t top;         /* the asked thread's stack top, or 0 */
	struct ctr_stack hdr; /* written by the claiming handler */
	char *buf;            /* config.stack_bytes */
} req;

static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int installed;

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *t)
{
	return syscall(SYS_futex, word, op, val, t, NULL, 0);
}

/* DWARF x86-64 register numbers 0-16 in ucontext's gregs. */
static const int dwarf_gregs[CTR_STACK_REGS] = {
	REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	REG_RIP,
};

/* Copies up to `want` bytes from sp up into buf, page by page, stopping at
 * the first page that is not mapped.  Returns the bytes copied. */
static uint64_t read_own_stack(uint64_t sp, char *buf, uint64_t want)
{
	uint64_t done = 0;

	while (done < want) {
		struct iovec local = { buf + done, 0 }, remote[PAGES_PER_READ];
		int n = 0;
		ssize_t got;

		for (uint64_t at = sp + done; n < PAGES_PER_READ && at < sp + want; n++) {
			uint64_t end = (at & ~(uint64_t)(PAGE - 1)) + PAGE;
			if (end > sp + want)
				end = sp + want;
			remote[n] = (struct iovec){ (void *)at, end - at };
			local.iov_len += end - at;
			at = end;
		}
		got = process_vm_readv(getpid(), &local, 1, remote, n, 0);
		if (got <= 0)
			break;
		done += got;
		if ((size_t)got < local.iov_len)
			break;
	}
	return done;
}

static void on_stack_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved = errno;
	uint32_t tid = syscall(SYS_gettid), expect = WORD(tid, ASKED);
	struct ctr_stack *h = &req.hdr;
	uint64_t want;

	(void)sig;
	(void)si;
	if (!__atomic_compare_exchange_n(&req.word, &expect, WORD(tid, COPYING), 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		errno = saved;
		return;
	}
	memset(h, 0, sizeof(*h));
	h->tid = tid;
	h->tsc = ctrail_now();
	h->written = ctrail_tls.off / sizeof(struct ctr_event);
	for (int i = 0; i < CTR_STACK_REGS; i++)
		h->regs[i] = uc->uc_mcontext.gregs[dwarf_gregs[i]];
	h->start = h->regs[7];
	want = config.stack_bytes;
	if (h->start < req.top && req.top - h->start <= want)
		want = req.top - h->start;
	else
		h->flags |= CTR_STACK_CUT;
	h->size = read_own_stack(h->start, req.buf, want);
	__atomic_store_n(&req.word, WORD(tid, DONE), __ATOMIC_RELEASE);
	futex(&req.word, FUTEX_WAKE_PRIVATE, 1, NULL);
	errno = saved;
}

/* Whether the handler is still ours: a program that took the signal over
 * later must not get it from us. */
static int still_ours(void)
{
	struct sigaction cur;

	return !real_sigaction(CTRAIL_STACK_SIGNAL, NULL, &cur) &&
	       (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_stack_signal;
}

/* In a forked child only the forking thread lives on; a request another
 * thread had open is gone with it. */
static void after_fork(void)
{
	pthread_mutex_init(&capture_lock, NULL);
	req.word = IDLE;
}

static void install(void)
{
	struct sigaction old, sa = { .sa_sigaction = on_stack_signal,
				     .sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK };

	if (!config.stack_bytes || !(req.buf = malloc(config.stack_bytes)))
		return;
	sigfillset(&sa.sa_mask);
	if (real_sigaction(CTRAIL_STACK_SIGNAL, NULL, &old) ||
	    old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO) ||
	    real_sigaction(CTRAIL_STACK_SIGNAL, &sa, NULL))
		return;
	pthread_atfork(NULL, NULL, after_fork);
	installed = 1;
}

static uint64_t ns_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * UINT64_C(1000000000) + now.tv_nsec - t0->tv_nsec;
}

/* Waits at most limit ns for the handler of thread tid, adding the time
 * to *spent; 0 when it answered, -1 when the request was taken back. */
static int wait_answer(uint32_t tid, uint64_t limit, uint64_t *spent)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint32_t w = __atomic_load_n(&req.word, __ATOMIC_ACQUIRE), expect = w;
		struct timespec left;

		*spent = ns_since(&t0);
		if (w == WORD(tid, DONE))
			return 0;
		if (w == WORD(tid, ASKED) && *spent >= limit) {
			if (__atomic_compare_exchange_n(&req.word, &expect, IDLE, 0,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return -1;
			continue; /* claimed meanwhile: copying is bounded */
		}
		left.tv_sec = 0;
		left.tv_nsec = w == WORD(tid, ASKED) ? limit - *spent : 1000000;
		futex(&req.word, FUTEX_WAIT_PRIVATE, w, &left);
	}
}

/* One past the highest byte of the thread's stack, or 0.  The main
 * thread's is asked once: glibc reads /proc/self/maps for it. */
static uint64_t stack_top(const struct ctrail_thread *t)
{
	static uint64_t main_top;
	pthread_attr_t a;
	void *addr;
	size_t size;
	uint64_t top = 0;

	if (t->is_main && main_top)
		return main_top;
	if (pthread_getattr_np(t->handle, &a))
		return 0;
	if (!pthread_attr_getstack(&a, &addr, &size))
		top = (uintptr_t)addr + size;
	pthread_attr_destroy(&a);
	if (t->is_main)
		main_top = top;
	return top;
}

int stack_capture(const struct ctrail_thread *t, struct ctr_stack *out, void **bytes,
		  uint64_t *wait_ns)
{
	int self = t->tls == &ctrail_tls, rc = 0, sent;
	uint64_t limit = *wait_ns < STACK_TIMEOUT_NS ? *wait_ns : STACK_TIMEOUT_NS, spent;

	*bytes = NULL;
	memset(out, 0, sizeof(*out));
	out->tid = t->tid;
	if (!config.stack_bytes)
		return -ENOSYS;
	pthread_once(&install_once, install);
	if (!installed || !still_ours())
		return -ENOSYS;
	if (!limit && !self) {
		out->flags = CTR_STACK_MISSING;
		return 0;
	}
	pthread_mutex_lock(&capture_lock);
	req.top = stack_top(t);
	__atomic_store_n(&req.word, WORD(t->tid, ASKED), __ATOMIC_RELEASE);
	sent = syscall(SYS_tgkill, getpid(), t->tid, CTRAIL_STACK_SIGNAL) == 0;
	/* not sent (the thread is gone), or asking itself: no waiting */
	if (wait_answer(t->tid, self || !sent ? 0 : limit, &spent)) {
		out->flags = CTR_STACK_MISSING;
	} else if ((*bytes = malloc(req.hdr.size ? req.hdr.size : 1))) {
		*out = req.hdr;
		out->flags |= self ? CTR_STACK_SELF : 0;
		memcpy(*bytes, req.buf, out->size);
	} else {
		rc = -ENOMEM;
	}
	__atomic_store_n(&req.word, IDLE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&capture_lock);
	*wait_ns -= spent < *wait_ns ? spent : *wait_ns;
	return rc;
}
