/* test_timeline_time.c - the time base the timeline's output is counted
 * in: exact tick to nanosecond conversion at large TSC values (where a
 * double would round), the two origins (first event, wall clock), and
 * parsing of --since/--until/--max-age times. */
#include <stdio.h>
#include <string.h>
#include "timebase.h"

static int failures;

static void expect(const char *name, unsigned long long got,
		   unsigned long long want)
{
	if (got == want) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: got %llu, want %llu\n", name, got, want);
		failures++;
	}
}

static void test_conversion(void)
{
	/* 2^60 ticks at 3 GHz: 384307168202282325 ns, rounded down; a
	 * double holds only 53 bits. */
	expect("ticks to ns, exact at 2^60", ns_from_ticks(3000000000ULL, 1ULL << 60),
	       384307168202282325ULL);
	expect("ticks to ns, one tick", ns_from_ticks(2596096000ULL, 1), 0);
	expect("ticks to ns, rounds down", ns_from_ticks(3, 2), 666666666);
	expect("ns to ticks", ticks_from_ns(2500000000ULL, 1000), 2500);
	expect("ns to ticks saturates", ticks_from_ns(UINT64_MAX, UINT64_MAX), UINT64_MAX);
}

static void test_origins(void)
{
	struct ctr_snapshot hdr = { .taken_tsc = 9000 };
	struct ctr_clock clk = { .tsc_hz = 1000000000,
				 .now = { .tsc = 5000, .realtime_ns = 1700000000000000000ULL } };
	struct ctr_thread t0 = { .nevents = 1 }, t1 = { .nevents = 1 };
	struct ctr_event e0 = { 0, 4000 }, e1 = { 0, 3000 };
	struct reader_thread threads[2] = { { &t0, &e0, "", NULL }, { &t1, &e1, "", NULL } };
	struct reader_snapshot snap = { .hdr = &hdr, .clock = &clk,
					.threads = threads, .nthreads = 2 };
	struct time_base tb;

	time_base_init(&tb, &snap, 0);
	expect("relative origin is the earliest event of all threads", tb.first_tsc, 3000);
	expect("relative: earliest event at 0", time_base_ns(&tb, 3000), 0);
	expect("relative: later tick", time_base_ns(&tb, 4500), 1500);
	expect("relative: earlier tick clamps to 0", time_base_ns(&tb, 10), 0);
	time_base_init(&tb, &snap, 1);
	expect("wall clock at the clock pair", time_base_ns(&tb, 5000), 1700000000000000000ULL);
	expect("wall clock before the pair", time_base_ns(&tb, 3000), 1699999999999998000ULL);
	expect("wall clock after the pair", time_base_ns(&tb, 9000), 1700000000000004000ULL);
}

static void test_parse(void)
{
	static const struct { const char *text; unsigned long long ns; int ok; } cases[] = {
		{ "700ns", 700, 1 }, { "20us", 20000, 1 }, { "1.5ms", 1500000, 1 },
		{ "2s", 2000000000, 1 }, { "0.000000001s", 1, 1 }, { "0ns", 0, 1 },
		{ "10", 0, 0 }, { "ms", 0, 0 }, { "1.5", 0, 0 }, { "-1s", 0, 0 },
		{ "1h", 0, 0 }, { "99999999999999999999s", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 0;
		int ok = parse_duration(cases[i].text, &ns) == 0;
		char name[64];

		snprintf(name, sizeof(name), "parse %s", cases[i].text);
		if (ok == cases[i].ok && (!ok || ns == cases[i].ns)) {
			printf("PASS %s\n", name);
		} else {
			printf("FAIL %s: %s, %llu ns\n", name, ok ? "accepted" : "rejected",
			       (unsigned long long)ns);
			failures++;
		}
	}
}

int main(void)
{
	test_conversion();
	test_origins();
	test_parse();
	return failures != 0;
}
