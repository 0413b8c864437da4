/* Linked shared library. */
__attribute__((noinline)) int lib_inner(int x) { return x + 1; }
int lib_outer(int x) { return lib_inner(x) * 2; }
