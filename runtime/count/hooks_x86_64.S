/* hooks_x86_64.S - libctrail-count's fentry hooks, and the exit hooks of
 * both conventions (the cyg entry hook is C, in count.c).
 *
 * __fentry__ finds the counter of its return address - a few bytes into
 * the function that called it - through the tables of count.h and adds
 * one with `lock incq`.  Like libctrail's (runtime/hooks_x86_64.S) it is
 * called before the function's prologue with every argument register
 * live (rdi rsi rdx rcx r8 r9, rax, r10, xmm0-7), so it saves what it
 * touches: rax and rcx (and rdx in a per-CPU build, which reads the CPU
 * number from the thread's rseq area as count.c does); r11 is free.  When the address has no leaf yet it calls
 * count_slow() in C with every argument register saved around the call.
 *
 * Safe against other threads and signal handlers with no more than that:
 * the count is one `lock incq` (a handler runs before or after it, never
 * inside), and the tables it walks only gain pointers and are never freed
 * (count.c).  count_slow() is the one path with a lock (see there).
 *
 * __return__ and __cyg_profile_func_exit do nothing at all. */
#include "asm_call_c.h"
#include "count.h"

	.text
	.globl __return__
	.type __return__, @function
	.globl __cyg_profile_func_exit
	.type __cyg_profile_func_exit, @function
	.p2align 4
__return__:
__cyg_profile_func_exit:
	.cfi_startproc
	ret
	.cfi_endproc
	.size __return__, . - __return__
	.size __cyg_profile_func_exit, . - __cyg_profile_func_exit

#if COUNT_TABLES > 1
#define SAVED 24	/* rax rcx rdx */
#define TMP rdx
#define TMP32 edx
#define TMP16 dx
#else
#define SAVED 16	/* rax rcx */
#define TMP rcx
#define TMP32 ecx
#define TMP16 cx
#endif

	.globl __fentry__
	.type __fentry__, @function
	.p2align 4
__fentry__:
	.cfi_startproc
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
#if COUNT_TABLES > 1
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	movq __rseq_offset@GOTPCREL(%rip), %rcx
	movq (%rcx), %rcx
	movl %fs:4(%rcx), %ecx	/* struct rseq's cpu_id */
	andl $(COUNT_TABLES - 1), %ecx
	shll $(COUNT_WINDOW_SHIFT - COUNT_SLOT_SHIFT), %ecx
#endif
	movq SAVED(%rsp), %r11	/* the address counted */
	movq %r11, %rax
	shrq $COUNT_TOP_SHIFT, %rax
	movzwl %ax, %eax
	leaq count_top(%rip), %TMP
	movq (%TMP,%rax,8), %rax	/* middle table */
	testq %rax, %rax
	jz 2f
	movq %r11, %TMP
	shrq $COUNT_WINDOW_SHIFT, %TMP
	movzwl %TMP16, %TMP32
	movq (%rax,%TMP,8), %rax	/* leaf */
	testq %rax, %rax
	jz 2f
	movzwl %r11w, %TMP32
	shrl $COUNT_SLOT_SHIFT, %TMP32
#if COUNT_TABLES > 1
	addl %ecx, %TMP32
#endif
	lock incq (%rax,%TMP,8)
1:
#if COUNT_TABLES > 1
	popq %rdx
	.cfi_adjust_cfa_offset -8
#endif
	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_adjust_cfa_offset SAVED

	/* No leaf: count_slow(address), every argument register saved. */
2:
#if COUNT_TABLES == 1
	pushq %rdx
	.cfi_adjust_cfa_offset 8
#endif
	CALL_C_SAVING_ARGS count_slow, %r11
#if COUNT_TABLES == 1
	popq %rdx
	.cfi_adjust_cfa_offset -8
#endif
	jmp 1b
	.cfi_endproc
	.size __fentry__, . - __fentry__

	.section .note.GNU-stack, "", @progbits
