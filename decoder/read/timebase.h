/* timebase.h - turns TSC ticks into nanoseconds for output, exactly.
 *
 * A time base is the snapshot's clock rate plus an origin: the earliest
 * event of the snapshot (all threads), which is output time 0, or for
 * --wall-clock that event's CLOCK_REALTIME (from the CLOCK chunk's `now`
 * pair, which ties one TSC value to it).  Either way every output time is
 * the origin plus the ticks since the earliest event in ns, so wall-clock
 * times are the relative ones moved by one constant, to the nanosecond.  Conversion is integer math on 128 bits:
 * ns = ticks * 10^9 / hz, rounded down, never through a double, so times
 * stay exact however large the TSC values are. */
#ifndef TIMEBASE_H
#define TIMEBASE_H

#include <stdint.h>
#include "reader.h"

struct time_base {
	uint64_t hz;
	uint64_t origin_tsc; /* output time origin_ns is this tick */
	uint64_t origin_ns;  /* 0, or the realtime of origin_tsc */
	uint64_t first_tsc;  /* earliest event of the snapshot */
};

void time_base_init(struct time_base *tb, const struct reader_snapshot *snap,
		    int wall_clock);

/* Output time of a tick (clamped at 0 before a relative origin). */
uint64_t time_base_ns(const struct time_base *tb, uint64_t tsc);

/* Ticks in ns nanoseconds, and nanoseconds in ticks, rounded down. */
uint64_t ticks_from_ns(uint64_t hz, uint64_t ns);
uint64_t ns_from_ticks(uint64_t hz, uint64_t ticks);

/* Parses "1.5ms", "20us", "3s", "700ns" into nanoseconds.  Returns 0 or
 * -EINVAL (no unit, bad number, too large). */
int parse_duration(const char *text, uint64_t *ns);

#endif
