/* config.c - the runtime's settings, read from the environment once when
 * the library starts and copied: programs that set their process title
 * (setproctitle, nginx, Redis) overwrite the environment's strings later,
 * so no pointer into the environment is kept.
 *   CTRAIL_RING_SIZE      bytes per thread ring (K/M/G suffix), default 4M
 *   CTRAIL_MAX_EXITED     exited threads kept for the next snapshot (32)
 *   CTRAIL_WRITE_AT_EXIT  1: write a snapshot when the process exits
 *   CTRAIL_EXIT_WAIT      seconds exit waits for a snapshot in progress (10)
 *   CTRAIL_OUTPUT         snapshot path; %p pid, %n sequence number
 *   CTRAIL_FTRACE         1: collect the kernel's scheduling events (ftrace.c)
 *   CTRAIL_SCHED_EVENTS   scheduling events kept for snapshots (65536)
 *   CTRAIL_STACK_BYTES    stack bytes kept per live thread at a snapshot
 *                         (K/M suffix, default 64K, at most 16M; 0: none)
 *   CTRAIL_PROBES         functions to probe with uprobes (probes.c)
 *   CTRAIL_PROBE_EVENTS   probe events kept for snapshots (262144)
 *   CTRAIL_TRACEFS        where tracefs is (ftrace.c)
 * Only CTRAIL_XRAY_PATCH is read elsewhere (xray.c, once, at start). */
#include <stdlib.h>
#include <string.h>
#include "runtime.h"

#define DEFAULT_RING_SIZE (UINT64_C(4) << 20)
#define MIN_RING_SIZE (UINT64_C(4) << 10)
#define MAX_RING_SIZE (UINT64_C(1) << 40)
#define DEFAULT_STACK_BYTES (UINT64_C(64) << 10)
#define MAX_STACK_BYTES (UINT64_C(16) << 20)

struct ctrail_config config = {
	.ring_size = DEFAULT_RING_SIZE,
	.max_exited = 32,
	.sched_events = 65536,
	.stack_bytes = DEFAULT_STACK_BYTES,
	.probe_events = 262144,
	.exit_wait_ns = UINT64_C(10000000000),
};

uint64_t ring_size_round(uint64_t bytes)
{
	uint64_t size = MIN_RING_SIZE;

	while (size < bytes && size < MAX_RING_SIZE)
		size <<= 1;
	return size;
}

/* "64K", "4M", "1G" or plain bytes; 0 when unreadable. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	return *end || end == s ? 0 : n;
}

/* "2.5" seconds in nanoseconds (at most a day); dflt when unreadable. */
static uint64_t seconds_parse(const char *s, uint64_t dflt)
{
	char *end;
	double sec = strtod(s, &end);

	return *end || !(sec >= 0) ? dflt : sec > 86400 ? UINT64_C(86400000000000) :
	       (uint64_t)(sec * 1e9);
}

/* A copy of the variable's value, "" when unset (or out of memory). */
static const char *env_copy(const char *name)
{
	const char *s = getenv(name);
	char *copy = s ? strdup(s) : NULL;

	return copy ? copy : "";
}

/* Runs once, from the constructor or from the first traced event if
 * another library's constructor is traced before ours runs. */
void config_init(void)
{
	static int done;
	const char *s;
	uint64_t n;

	if (done)
		return;
	done = 1;
	if ((s = getenv("CTRAIL_RING_SIZE")) && (n = parse_size(s)))
		config.ring_size = ring_size_round(n);
	if ((s = getenv("CTRAIL_MAX_EXITED")))
		config.max_exited = strtoul(s, NULL, 10);
	if ((s = getenv("CTRAIL_WRITE_AT_EXIT")))
		config.write_at_exit = *s == '1';
	if ((s = getenv("CTRAIL_EXIT_WAIT")) && *s)
		config.exit_wait_ns = seconds_parse(s, config.exit_wait_ns);
	if ((s = getenv("CTRAIL_FTRACE")))
		config.ftrace = *s == '1';
	if ((s = getenv("CTRAIL_SCHED_EVENTS")) && (n = strtoull(s, NULL, 10)))
		config.sched_events = n;
	if ((s = getenv("CTRAIL_STACK_BYTES")))
		config.stack_bytes = parse_size(s) < MAX_STACK_BYTES ? parse_size(s)
								     : MAX_STACK_BYTES;
	s = env_copy("CTRAIL_PROBES");
	config.probes = *s ? s : NULL;
	if ((s = getenv("CTRAIL_PROBE_EVENTS")) && (n = strtoull(s, NULL, 10)))
		config.probe_events = n;
	config.output = env_copy("CTRAIL_OUTPUT");
	if (!*config.output)
		config.output = "ctrail-%p.ctr";
	config.tracefs = env_copy("CTRAIL_TRACEFS");
}
