/* unwind.c - events that tell the decoder where the stack was cut short.
 *
 * An exception or a longjmp leaves functions without running their return
 * hooks (fentry and clang modes never run them on unwinding).  So we record
 * where control lands: for a caught exception, the catching function (the
 * caller of __cxa_begin_catch); for longjmp, the setjmp site saved in the
 * jmp_buf.  The decoder closes every frame above that function.
 *
 * glibc stores the jmp_buf's program counter mangled: rotated left by 0x11
 * bits after an xor with the thread's pointer guard, which lives at
 * %fs:0x30 in the thread control block on x86-64. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include "runtime.h"

#define JB_PC 7
#define POINTER_GUARD_OFFSET 0x30

static uintptr_t jmpbuf_pc(const struct __jmp_buf_tag *env)
{
	uintptr_t pc = env->__jmpbuf[JB_PC], guard;

	__asm__("movq %%fs:%c1, %0" : "=r"(guard) : "i"(POINTER_GUARD_OFFSET));
	pc = (pc >> 0x11) | (pc << (64 - 0x11));
	return pc ^ guard;
}

static void *next_symbol(void **cache, const char *name)
{
	if (!*cache)
		*cache = dlsym(RTLD_NEXT, name);
	return *cache;
}

void *__cxa_begin_catch(void *exception)
{
	static void *real;
	void *(*fn)(void *) = next_symbol(&real, "__cxa_begin_catch");

	ring_put_kind(CTR_KIND_CATCH, (uintptr_t)__builtin_return_address(0));
	return fn(exception);
}

/* One wrapper per glibc entry point; all of them are noreturn. */
#define LONGJMP_WRAPPER(name)                                                  \
	void name(struct __jmp_buf_tag env[1], int val)                       \
	{                                                                      \
		static void *real;                                             \
		void (*fn)(struct __jmp_buf_tag *, int) =                      \
			next_symbol(&real, #name);                             \
		ring_put_kind(CTR_KIND_LONGJMP, jmpbuf_pc(env));               \
		fn(env, val);                                                  \
		__builtin_unreachable();                                       \
	}

LONGJMP_WRAPPER(longjmp)
LONGJMP_WRAPPER(_longjmp)
LONGJMP_WRAPPER(siglongjmp)
LONGJMP_WRAPPER(__longjmp_chk)
