/* A snapshot of only what happened since a time read between two phases,
 * written to argv[1]. */
#include <errno.h>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE void leaf(void) { sink++; }
NOINLINE void phase_one(void) { leaf(); }
NOINLINE void phase_two(void) { leaf(); leaf(); }
int main(int argc, char **argv)
{
	phase_one();
	uint64_t t = ctrail_now();
	phase_two();
	struct ctrail_snapshot *s = ctrail_snapshot_take(t);
	int rc = s ? ctrail_snapshot_write(s, argv[1]) : -errno;
	ctrail_snapshot_free(s);
	return rc ? 1 : 0;
}
