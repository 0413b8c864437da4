/* A shared library linked into d_shlib.c. */
#define NOINLINE __attribute__((noinline))
volatile int d_lib_sink;
NOINLINE int lib_inner(int x) { d_lib_sink = x; return x + 1; }
NOINLINE int lib_outer(int x) { return lib_inner(x) * 2; }
