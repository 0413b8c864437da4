/* A single thread: a call chain and a recursion. */
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE int leaf(int x) { sink = x; return x + 1; }
NOINLINE int middle(int x) { return leaf(x) * 2; }
NOINLINE int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
int main(void) { return middle(1) + fact(3) == 10 ? 0 : 1; }
