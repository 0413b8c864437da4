/* c_plugin.c - a library c_threads.c dlopens: plugin_entry(n) calls
 * plugin_leaf() n times. */
__attribute__((noinline)) int plugin_leaf(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int plugin_entry(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s = plugin_leaf(s);
	return s;
}
