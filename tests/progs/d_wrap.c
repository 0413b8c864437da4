/* Many more calls than a small ring (CTRAIL_RING_SIZE=4K) holds: the call
 * of main is overwritten, its return is not. */
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE void leaf(int x) { sink = x; }
NOINLINE void last(void) { sink = -1; }
int main(void)
{
	for (int i = 0; i < 5000; i++)
		leaf(i);
	last();
	return 0;
}
