/* clock.c - the TSC rate and the clock pairs that tie TSC values to
 * CLOCK_MONOTONIC and CLOCK_REALTIME.
 *
 * The rate is looked for in order: CPUID leaf 0x15 (crystal clock), the
 * hypervisor's timing leaf 0x40000010, the kernel's own "tsc: ... MHz" log
 * line, and last a measurement against CLOCK_MONOTONIC_RAW, done once and
 * cached.  All but the measurement run at start (for core dumps).  A pair read at start and one read at snapshot time go into the
 * file too, so a decoder can check or refine the rate over the whole run. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>
#include <x86intrin.h>
#include "ctrail.h"
#include "runtime.h"
#include "state.h"

static struct ctr_clock_pair start_pair;
static uint64_t tsc_hz;
static uint32_t tsc_source;
static pthread_once_t rate_once = PTHREAD_ONCE_INIT;
static pthread_once_t unmeasured_once = PTHREAD_ONCE_INIT;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pair_read(struct ctr_clock_pair *p)
{
	p->monotonic_ns = clock_ns(CLOCK_MONOTONIC);
	p->tsc = __rdtsc();
	p->realtime_ns = clock_ns(CLOCK_REALTIME);
}

static uint64_t rate_from_cpuid(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid_max(0, NULL) < 0x15)
		return 0;
	__cpuid(0x15, a, b, c, d);
	return a && b && c ? (uint64_t)c * b / a : 0;
}

static uint64_t rate_from_hypervisor(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31))) /* no hypervisor */
		return 0;
	__cpuid(0x40000000, a, b, c, d);
	if (a < 0x40000010)
		return 0;
	__cpuid(0x40000010, a, b, c, d);
	return (uint64_t)a * 1000;
}

/* "tsc: Refined TSC clocksource calibration: 2095.987 MHz" wins over
 * "tsc: Detected 2095.987 MHz processor".  Needs permission to read the
 * kernel log (dmesg_restrict); 0 without. */
static uint64_t rate_from_kernel_log(void)
{
	static const char *const keys[] = {
		"Refined TSC clocksource calibration: ", "tsc: Detected ",
	};
	uint64_t hz = 0;
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;

	if (size <= 0 || !(buf = malloc(size + 1)))
		return 0;
	size = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (size > 0) {
		buf[size] = 0;
		for (int k = 0; k < 2 && !hz; k++) {
			char *p = strstr(buf, keys[k]);
			if (p) {
				char *end;
				double mhz = strtod(p + strlen(keys[k]), &end);
				if (mhz > 0 && !strncmp(end, " MHz", 4))
					hz = (uint64_t)(mhz * 1e6 + 0.5);
			}
		}
	}
	free(buf);
	return hz;
}

/* At least 20 ms of CLOCK_MONOTONIC_RAW against the TSC. */
static uint64_t rate_measured(void)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC_RAW), c0 = __rdtsc();

	nanosleep(&pause, NULL);
	uint64_t t1 = clock_ns(CLOCK_MONOTONIC_RAW), c1 = __rdtsc();
	return (unsigned __int128)(c1 - c0) * 1000000000 / (t1 - t0);
}

/* Tries ways [from, to) in order, best first. */
static void rate_try(uint32_t from, uint32_t to)
{
	static uint64_t (*const ways[])(void) = {
		rate_from_cpuid, rate_from_hypervisor, rate_from_kernel_log,
		rate_measured,
	};

	for (uint32_t i = from; i < to; i++)
		if ((tsc_hz = ways[i]())) {
			tsc_source = i; /* same order as enum ctr_clock_source */
			ctrail_state.clock.tsc_hz = tsc_hz; /* for core readers */
			ctrail_state.clock.source = tsc_source;
			return;
		}
}

/* Every way but the measurement costs well under a millisecond, so it
 * runs at start: a core dump (state.h) can only tell the rate if it was
 * found before the crash. */
static void rate_find_unmeasured(void)
{
	rate_try(0, CTR_CLOCK_MEASURED);
}

static void rate_find(void)
{
	pthread_once(&unmeasured_once, rate_find_unmeasured);
	if (!tsc_hz)
		rate_try(CTR_CLOCK_MEASURED, CTR_CLOCK_MEASURED + 1);
}

void clock_init(void)
{
	pair_read(&start_pair);
	ctrail_state.clock.start = start_pair;
	pthread_once(&unmeasured_once, rate_find_unmeasured);
}

uint64_t ctrail_now(void)
{
	return __rdtsc();
}

uint64_t ctrail_ticks_per_second(void)
{
	pthread_once(&rate_once, rate_find);
	return tsc_hz;
}

void clock_fill(struct ctr_clock *c)
{
	memset(c, 0, sizeof(*c));
	c->tsc_hz = ctrail_ticks_per_second();
	c->source = tsc_source;
	c->start = start_pair;
	pair_read(&c->now);
}
