/* p_lib.c - a small library built without ctrail (tests/e2e/probes.sh
 * probes it with uprobes): p_lib_outer calls p_lib_inner twice. */
__attribute__((noinline)) int p_lib_inner(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline)) int p_lib_outer(int x)
{
	return p_lib_inner(x) + p_lib_inner(x * 2);
}
