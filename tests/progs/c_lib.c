/* c_lib.c - a shared library linked by c_threads.c. */
__attribute__((noinline)) int lib_hot(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}
