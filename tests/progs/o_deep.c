/* o_deep.c - calls open before the ring (tests/e2e/stacks.sh): main calls
 * descend(), a recursion DEPTH deep with an uninstrumented frame (middle)
 * halfway and an inlined one (step, traced only by the finstr modes) a
 * quarter down, whose innermost call runs leaf(): a loop of tiny() calls,
 * far more than a small ring holds.  argv[1] "trap": leaf raises SIGTRAP and
 * goes on looping, slowly, until the snapshot argv[2] exists, then
 * everything returns; "crash": leaf aborts (for `ctrail core`). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEPTH 40
#define LOOPS 20000
#define NOINLINE __attribute__((noinline))
#define UNTRACED __attribute__((noinline, no_instrument_function, xray_never_instrument))

#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wattributes" /* gcc knows no xray_never_instrument */
#endif

volatile int sink;
static char **args;

NOINLINE void tiny(int i)
{
	sink += i;
}

NOINLINE void leaf(void)
{
	struct timespec pause = { 0, 200 * 1000 };

	for (int i = 0; i < LOOPS; i++)
		tiny(i);
	if (!strcmp(args[1], "crash"))
		abort();
	raise(SIGTRAP);
	for (int i = 0; i < 50000 && access(args[2], F_OK); i++) {
		tiny(i);
		nanosleep(&pause, NULL);
	}
}

void descend(int n);

static inline __attribute__((always_inline)) void step(int n)
{
	descend(n - 1);
	sink++;
}

UNTRACED void middle(int n)
{
	descend(n - 1);
	sink++;
}

NOINLINE void descend(int n)
{
	if (n == 0)
		leaf();
	else if (n == DEPTH / 2)
		middle(n);
	else if (n == DEPTH / 4)
		step(n);
	else
		descend(n - 1);
	sink++;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	args = argv;
	descend(DEPTH);
	return 0;
}
