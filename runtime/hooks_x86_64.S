/* hooks_x86_64.S - the hot path: the hooks compilers call at every function
 * entry and exit.  Each appends one 16-byte event {address | kind, TSC} to
 * the thread's ring (see tls.h): test base, mask the offset, two stores,
 * rdtsc, and the offset bumped last so a snapshot reading it sees whole
 * events.  When base is NULL (paused, or no ring yet) only a thread still
 * in state TLS_NEW leaves the fast path, for ctrail_first_event() in hooks.c.
 *
 * __cyg_profile_func_enter/exit (-finstrument-functions, gcc and clang,
 * before or after inlining) follow the C convention: the function address
 * comes in rdi and every caller-saved register is ours.
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

/* rcx = the ring (base, tested non-NULL by the caller); leaves rcx pointing
 * at the next slot, base + (off & mask), using \tmp as scratch. */
.macro RING_SLOT tmp
	movq %fs:TLS_OFF(%r11), \tmp
	andq %fs:TLS_MASK(%r11), \tmp
	addq \tmp, %rcx
.endm

/* Stamps the slot at rcx (its word already stored) and publishes it by
 * bumping the offset last: pairs with snapshot.c:copy_ring().  Clobbers
 * rax and rdx. */
.macro RING_STAMP
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, 8(%rcx)
	addq $16, %fs:TLS_OFF(%r11)
.endm

.macro CYG_HOOK name, kindbit
	.text
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	movq ctrail_tls@gottpoff(%rip), %r11
	movq %fs:TLS_BASE(%r11), %rcx
	.if \kindbit
	btsq $63, %rdi
	.endif
	testq %rcx, %rcx
	jz 2f
	RING_SLOT %rsi
	movq %rdi, (%rcx)
	RING_STAMP
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
	movq %fs:TLS_BASE(%r11), %rcx
	RING_SLOT %rax
	movq 24(%rsp), %rax
	.if \kindbit
	btsq $63, %rax
	.endif
	movq %rax, (%rcx)
	RING_STAMP
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
