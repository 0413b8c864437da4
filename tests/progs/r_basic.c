/* A single thread: a call chain, a recursion, and a function kept out of
 * the trace with CTRAIL_NO_TRACE. */
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE int leaf(int x) { sink = x; return x + 1; }
NOINLINE int middle(int x) { return leaf(x) * 2; }
NOINLINE int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
CTRAIL_NO_TRACE NOINLINE int untraced(int x) { sink = x; return x; }
int main(void) { return middle(1) + fact(3) + untraced(0) == 10 ? 0 : 1; }
