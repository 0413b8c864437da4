/* Wraps its ring, then aborts: main, 200 calls of leaf (400 events), then
 * crash_outer > crash_inner > abort.  Run with CTRAIL_RING_SIZE=4K (256
 * events) to check how `ctrail core` cuts a wrapped ring. */
#include <stdlib.h>
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE void leaf(int i) { sink = i; }
NOINLINE void crash_inner(void) { abort(); }
NOINLINE void crash_outer(void) { crash_inner(); sink++; }
int main(void)
{
	for (int i = 0; i < 200; i++)
		leaf(i);
	crash_outer();
	return 0;
}
