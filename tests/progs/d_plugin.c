/* A library d_shlib.c loads with dlopen and closes again. */
#define NOINLINE __attribute__((noinline))
volatile int d_plugin_sink;
NOINLINE int plugin_inner(int x) { d_plugin_sink = x; return x + 3; }
NOINLINE int plugin_entry(int x) { return plugin_inner(x) + 1; }
