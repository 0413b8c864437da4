/* timebase.c - see timebase.h. */
#include <errno.h>
#include <string.h>
#include "timebase.h"

#define NS_PER_S UINT64_C(1000000000)

uint64_t ns_from_ticks(uint64_t hz, uint64_t ticks)
{
	unsigned __int128 ns = (unsigned __int128)ticks * NS_PER_S / hz;

	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

uint64_t ticks_from_ns(uint64_t hz, uint64_t ns)
{
	unsigned __int128 t = (unsigned __int128)ns * hz / NS_PER_S;

	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

/* The realtime of a tick, from the CLOCK chunk's `now` pair. */
static uint64_t wall_ns(const struct ctr_clock *clock, uint64_t tsc)
{
	uint64_t now = clock->now.realtime_ns, d;

	if (tsc >= clock->now.tsc) {
		d = ns_from_ticks(clock->tsc_hz, tsc - clock->now.tsc);
		return d > UINT64_MAX - now ? UINT64_MAX : now + d;
	}
	d = ns_from_ticks(clock->tsc_hz, clock->now.tsc - tsc);
	return d > now ? 0 : now - d;
}

void time_base_init(struct time_base *tb, const struct reader_snapshot *snap,
		    int wall_clock)
{
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < snap->nthreads; i++)
		if (snap->threads[i].hdr->nevents &&
		    CTR_SLOT_TSC(snap->threads[i].events[0].tsc) < first)
			first = CTR_SLOT_TSC(snap->threads[i].events[0].tsc);
	if (snap->nsched && snap->sched[0].tsc < first)
		first = snap->sched[0].tsc; /* scheduling events sorted by time */
	if (first == UINT64_MAX)
		first = snap->hdr->taken_tsc;
	tb->hz = snap->clock->tsc_hz;
	tb->first_tsc = first;
	tb->origin_tsc = first;
	tb->origin_ns = 0;
	if (wall_clock)
		tb->origin_ns = wall_ns(snap->clock, first);
}

uint64_t time_base_ns(const struct time_base *tb, uint64_t tsc)
{
	uint64_t d;

	if (tsc >= tb->origin_tsc) {
		d = ns_from_ticks(tb->hz, tsc - tb->origin_tsc);
		return d > UINT64_MAX - tb->origin_ns ? UINT64_MAX : tb->origin_ns + d;
	}
	d = ns_from_ticks(tb->hz, tb->origin_tsc - tsc);
	return d > tb->origin_ns ? 0 : tb->origin_ns - d;
}

int parse_duration(const char *text, uint64_t *ns)
{
	static const struct { const char *name; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", NS_PER_S },
	};
	unsigned __int128 whole = 0, frac = 0, frac_div = 1, total;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > UINT64_MAX)
			return -EINVAL;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (frac_div < NS_PER_S) { /* finer than 1 ns is ignored */
				frac = frac * 10 + (*p - '0');
				frac_div *= 10;
			}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].name))
			continue;
		total = whole * units[i].ns + frac * units[i].ns / frac_div;
		if (total > UINT64_MAX)
			return -EINVAL;
		*ns = (uint64_t)total;
		return 0;
	}
	return -EINVAL;
}
