/* overhead_callee.c - the traced side of bench/overhead.c, compiled once per
 * instrumentation mode with SUFFIX naming the copy (leaf_fentry, ...). */
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(x) CAT(x, SUFFIX)

__attribute__((noinline)) int NAME(leaf)(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

/* One traced call+return of leaf per iteration. */
int NAME(loop)(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s = NAME(leaf)(s);
	return s;
}
