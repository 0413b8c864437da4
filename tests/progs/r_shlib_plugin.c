/* A library loaded with dlopen. */
__attribute__((noinline)) int plugin_inner(int x) { return x + 3; }
int plugin_entry(int x) { return plugin_inner(x); }
