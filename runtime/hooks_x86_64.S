/* hooks_x86_64.S - the hot path: the hooks compilers call at every function
 * entry and exit.  Each appends one 16-byte event {address | kind, TSC} to
 * the thread's ring (see tls.h).
 *
 * The ring protocol (docs/runtime.md, "The ring protocol"), the same in
 * every hook and in events.c:
 *   1. load base once, into a register, and test it: NULL means paused (or
 *      no ring yet, or exited) and nothing is written;
 *   2. reserve the slot with one unlocked `xaddq` on the TLS offset: an
 *      instruction is never split by a signal, so a handler that traces on
 *      this thread reserves the slots after ours and never shares one;
 *   3. rdtsc, then store the word and then the TSC into base + (old off &
 *      mask): x86 keeps stores in order, so a reader on another CPU that
 *      sees the new stamp sees the new word too.
 * A signal between 2 and 3 leaves our slot reserved but unwritten while the
 * handler writes the following ones; we fill it after the handler returns,
 * stamped after the handler's events (the one ordering anomaly, documented
 * for the decoder).  A snapshot that meets such a slot still holding the
 * previous lap's event (or zeros) drops it: ring_drop_unwritten() in
 * state.h.
 *
 * Why the one load of base is safe against every other path:
 *   - pause/resume (thread.c, other threads, under registry_lock) only
 *     swaps base between the ring and NULL; a hook that loaded the ring just
 *     before a pause writes one more event into memory that stays mapped,
 *     and the snapshot's stability rule (snapshot.c copy_ring) covers it;
 *   - a ring is unmapped (or handed to a new thread as a spare) only (a)
 *     by its own thread in ctrail_thread_set_ring_size, never from inside
 *     a hook (that function is not async-signal-safe: it may not be called
 *     from a handler), and (b) by other threads once the thread exited,
 *     after thread_exit() set base to NULL itself, under the lock, with no
 *     hook of that thread in flight;
 *   - off and mask are written only by the thread itself (start, resize),
 *     with base NULL while they change.
 *
 * __cyg_profile_func_enter/exit (-finstrument-functions, gcc and clang,
 * before or after inlining; XRay's handler calls them too) follow the C
 * convention: the function address comes in rdi and every caller-saved
 * register is ours.
 *
 * __fentry__ and __return__ (gcc -pg -mfentry -minstrument-return=call) do
 * not.  gcc calls __fentry__ as the first instruction of a function, before its
 * prologue, and __return__ right before each ret.  Neither call follows the
 * C convention: every argument register (rdi rsi rdx rcx r8 r9, rax for
 * varargs, r10 static chain, xmm0-7) is live at __fentry__, and the return
 * registers (rax rdx xmm0 xmm1) are live at __return__.  So these save what
 * they touch: rax and rdx (rdtsc writes them) and rcx; r11 is free.
 *
 * The address stored is our return address: a few bytes into the traced
 * function, which the decoder maps to the function's symbol.
 *
 * Stack on entry: 0(%rsp) return address into the traced function.
 * After the three pushes it is at 24(%rsp).
 */
#include "asm_call_c.h"
#include "tls.h"

.macro CYG_HOOK name, kindbit
	.text
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	movq ctrail_tls@gottpoff(%rip), %r11
	movq %fs:TLS_BASE(%r11), %rcx	/* the only load of base */
	.if \kindbit
	btsq $63, %rdi
	.endif
	testq %rcx, %rcx
	jz 2f
	movl $16, %esi
	xaddq %rsi, %fs:TLS_OFF(%r11)	/* reserve: rsi = our offset */
	rdtsc
	andq %fs:TLS_MASK(%r11), %rsi
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rdi, (%rcx,%rsi)
	movq %rax, 8(%rcx,%rsi)
	ret
2:	cmpb $TLS_NEW, %fs:TLS_STATE(%r11)
	jne 3f
	jmp ctrail_first_event	/* the word is in rdi already */
3:	ret
	.cfi_endproc
	.size \name, . - \name
.endm

	CYG_HOOK __cyg_profile_func_enter, 0
	CYG_HOOK __cyg_profile_func_exit, 1

.macro FENTRY_HOOK name, kindbit
	.text
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	/* base is tested before anything is saved, so a paused thread
	 * pays for two loads and a compare */
	movq ctrail_tls@gottpoff(%rip), %r11
	cmpq $0, %fs:TLS_BASE(%r11)
	je 2f
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	/* the base used is this one, tested again: a pause may have come
	 * since the first test */
	movq %fs:TLS_BASE(%r11), %rcx
	testq %rcx, %rcx
	jz 1f
	/* mask first (only this thread changes it, never in a hook), so
	 * that rdtsc follows the reservation as closely as the registers
	 * allow; the word is stored before the stamp, which readers check */
	movq %fs:TLS_MASK(%r11), %rdx
	movl $16, %eax
	xaddq %rax, %fs:TLS_OFF(%r11)	/* reserve: rax = our offset */
	andq %rdx, %rax
	addq %rax, %rcx
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq 24(%rsp), %rdx
	.if \kindbit
	btsq $63, %rdx
	.endif
	movq %rdx, (%rcx)
	movq %rax, 8(%rcx)
1:	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	ret

	/* No ring: only a thread in state TLS_NEW goes on, to set one up,
	 * with every other argument register saved around the C call. */
2:	cmpb $TLS_NEW, %fs:TLS_STATE(%r11)
	je 3f
	ret
3:	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	movq 24(%rsp), %rax
	.if \kindbit
	btsq $63, %rax
	.endif
	CALL_C_SAVING_ARGS ctrail_first_event, %rax
	jmp 1b
	.cfi_endproc
	.size \name, . - \name
.endm

	FENTRY_HOOK __fentry__, 0
	FENTRY_HOOK __return__, 1

	.section .note.GNU-stack, "", @progbits
