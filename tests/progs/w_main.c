/* w_main.c - program for tests/e2e/wrappers.sh: calls a function of its own
 * and w_util() from w_util.c, prints W_TAG when it is defined (to check that
 * arguments with spaces survive the wrapper) and then the result, 12. */
#include <stdio.h>

int w_util(int x);

/* noinline: every mode must leave a call to trace. */
static __attribute__((noinline)) int w_local(int x)
{
	return x + 1;
}

int main(int argc, char **argv)
{
#ifdef W_TAG
	puts(W_TAG);
#endif
	printf("%d\n", w_local(argc) + w_util(argc));
	return 0;
}
