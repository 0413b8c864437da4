/* longjmp from two frames below the function that called setjmp. */
#include <setjmp.h>
#define NOINLINE __attribute__((noinline))
static jmp_buf env;
NOINLINE void jumper(int x) { if (x) longjmp(env, x); }
NOINLINE void middle(int x) { jumper(x); }
NOINLINE int setter(int x)
{
	if (setjmp(env))
		return 1;
	middle(x);
	return 0;
}
volatile int sink;
NOINLINE int after(int x) { sink = x; return x; }
int main(void) { return setter(1) + after(0) == 1 ? 0 : 1; }
