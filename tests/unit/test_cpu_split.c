/* test_cpu_split.c - the on/off-CPU split of decoder/timeline/cpu_split.c
 * over hand-made scheduling events: the state of our thread between its
 * switches and wakeups, switches of other tasks ignored, the state before
 * the first event inferred, and the states of every interval adding up to
 * exactly its length.  The clock runs at 1 GHz so ticks are nanoseconds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cpu_split.h"

static int failures;

static void expect_split(const char *name, const struct cpu_track *t,
			 uint64_t from, uint64_t to, const uint64_t want[CPU_STATES])
{
	uint64_t got[CPU_STATES];

	cpu_track_range(t, from, to, got);
	if (memcmp(got, want, sizeof(got))) {
		printf("FAIL %s: got", name);
		for (int s = 0; s < CPU_STATES; s++)
			printf(" %s=%llu", cpu_state_name(s), (unsigned long long)got[s]);
		printf("\n");
		failures++;
	} else {
		printf("PASS %s\n", name);
	}
}

static struct ctr_sched_event ev(uint64_t tsc, unsigned type, int pid, int next,
				 uint32_t state)
{
	return (struct ctr_sched_event){ .tsc = tsc, .type = type, .pid = pid,
					 .next_pid = next, .state = state };
}

int main(void)
{
	/* thread 7: runs until 100, sleeps (S) until woken at 300, waits for
	 * a CPU until 350, runs, is preempted at 500 (R+), runs again at 600,
	 * blocks in D at 700 and is woken at 900, running at 950.  Task 9
	 * (not ours) switches around it; thread 8 never appears. */
	const struct ctr_sched_event sched[] = {
		ev(100, CTR_SCHED_SWITCH, 7, 9, 1),
		ev(200, CTR_SCHED_SWITCH, 9, 0, 1),
		ev(300, CTR_SCHED_WAKING, 7, 0, 0),
		ev(350, CTR_SCHED_SWITCH, 0, 7, 0),
		ev(400, CTR_SCHED_WAKING, 7, 0, 0), /* already running */
		ev(500, CTR_SCHED_SWITCH, 7, 9, CTR_SCHED_PREEMPTED),
		ev(600, CTR_SCHED_SWITCH, 9, 7, 0),
		ev(700, CTR_SCHED_SWITCH, 7, 0, 2),
		ev(900, CTR_SCHED_WAKING, 7, 0, 0),
		ev(950, CTR_SCHED_SWITCH, 0, 7, 0),
	};
	struct ctr_thread hdrs[2] = { { .tid = 7 }, { .tid = 8 } };
	struct reader_thread threads[2] = { { .hdr = &hdrs[0] }, { .hdr = &hdrs[1] } };
	struct ctr_sched sh = { .nevents = sizeof(sched) / sizeof(sched[0]) };
	struct ctr_snapshot snap_hdr = { .taken_tsc = 1000 };
	struct ctr_clock clock = { .tsc_hz = 1000000000 };
	struct reader_snapshot snap = {
		.hdr = &snap_hdr, .clock = &clock, .threads = threads, .nthreads = 2,
		.sched_hdr = &sh, .sched = sched, .nsched = sh.nevents };
	struct time_base tb = { .hz = 1000000000 }; /* origin 0: ns = ticks */
	struct cpu_split *cs = cpu_split_new(&snap, &tb);
	const struct cpu_track *t7, *t8;

	if (!cs) {
		printf("FAIL cpu-split-new: %s\n", strerror(errno));
		return 1;
	}
	t7 = cpu_split_track(cs, 7);
	t8 = cpu_split_track(cs, 8);
	/* running, runnable, sleeping, disk, stopped */
	expect_split("cpu-split-whole", t7, 0, 1000,
		     (uint64_t[]){ 100 + 150 + 100 + 50, 50 + 100 + 50, 200, 200, 0 });
	expect_split("cpu-split-before-first", t7, 0, 100, (uint64_t[]){ 100, 0, 0, 0, 0 });
	expect_split("cpu-split-sleep", t7, 150, 320, (uint64_t[]){ 0, 20, 150, 0, 0 });
	expect_split("cpu-split-preempted", t7, 450, 650, (uint64_t[]){ 100, 100, 0, 0, 0 });
	expect_split("cpu-split-disk", t7, 690, 960, (uint64_t[]){ 20, 50, 0, 200, 0 });
	expect_split("cpu-split-empty", t7, 420, 420, (uint64_t[]){ 0, 0, 0, 0, 0 });
	expect_split("cpu-split-reversed", t7, 500, 400, (uint64_t[]){ 0, 0, 0, 0, 0 });
	expect_split("cpu-split-no-events-runs", t8, 10, 990, (uint64_t[]){ 980, 0, 0, 0, 0 });
	expect_split("cpu-split-other-tid-runs", cpu_split_track(cs, 9), 0, 5,
		     (uint64_t[]){ 5, 0, 0, 0, 0 });
	cpu_split_free(cs);

	snap.sched_hdr = NULL;
	if (!cpu_split_new(&snap, &tb) && errno == ENODATA)
		printf("PASS cpu-split-no-sched\n");
	else {
		printf("FAIL cpu-split-no-sched: no ENODATA\n");
		failures++;
	}
	return failures != 0;
}
