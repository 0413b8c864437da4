/* slowpath.c - the tail-latency demo (make demo): an event loop whose
 * handler is fast almost always, and once in a few thousand events slow.
 *
 * Each event is looked up in an open-addressing table keyed by its id.
 * When the table passes 3/4 full it is grown and rehashed on the spot, in
 * the handler of whichever event crossed the line: that event takes a few
 * milliseconds instead of a microsecond.  Averages hide it; the flow
 * "event" keeps the 3 slowest occurrences, and their snapshots show
 * grow_table() and rehash() under handle_event() at once.  A typical
 * occurrence is saved too, for comparison.
 *
 *   slowpath TYPICAL.ctr      (kept flows go to CTRAIL_OUTPUT at exit) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "ctrail.h"

#define EVENTS 60000
#define NOINLINE __attribute__((noinline))

struct table {
	uint64_t *keys;
	size_t size, used;
};

static struct table table;

NOINLINE static size_t slot_of(uint64_t key, size_t size)
{
	return (key * 0x9e3779b97f4a7c15ull >> 20) & (size - 1);
}

NOINLINE static void insert(struct table *t, uint64_t key)
{
	size_t i = slot_of(key, t->size);

	while (t->keys[i] && t->keys[i] != key)
		i = (i + 1) & (t->size - 1);
	if (!t->keys[i])
		t->used++;
	t->keys[i] = key;
}

NOINLINE static void rehash(struct table *t, uint64_t *old, size_t old_size)
{
	for (size_t i = 0; i < old_size; i++)
		if (old[i])
			insert(t, old[i]);
}

NOINLINE static void grow_table(struct table *t)
{
	uint64_t *old = t->keys;
	size_t old_size = t->size;

	CTRAIL_LOG("growing table from %zu to %zu slots", old_size, 2 * old_size);
	t->size *= 2;
	t->used = 0;
	t->keys = calloc(t->size, sizeof(*t->keys));
	rehash(t, old, old_size);
	free(old);
}

NOINLINE static uint64_t parse(int id)
{
	return (uint64_t)id * 2654435761u + 1;
}

NOINLINE static void handle_event(int id)
{
	uint64_t key = parse(id);

	insert(&table, key);
	if (4 * table.used > 3 * table.size)
		grow_table(&table);
	CTRAIL_COUNTER("table entries", table.used);
}

int main(int argc, char **argv)
{
	struct ctrail_flow *events = ctrail_flow_new("event", 3, 0);
	struct ctrail_snapshot *typical = NULL;
	uint64_t slowest = 0;
	int rc;

	if (argc != 2 || !events) {
		fprintf(stderr, "usage: slowpath TYPICAL.ctr\n");
		return 2;
	}
	table.size = 1024;
	table.keys = calloc(table.size, sizeof(*table.keys));
	for (int id = 0; id < EVENTS; id++) {
		uint64_t start = ctrail_now();
		handle_event(id);
		if (ctrail_now() - start > slowest)
			slowest = ctrail_now() - start;
		if (id == EVENTS / 2)
			typical = ctrail_snapshot_take(start);
		ctrail_flow_end(events, start);
	}
	rc = ctrail_snapshot_write(typical, argv[1]);
	ctrail_snapshot_free(typical);
	printf("slowpath: %d events, slowest %.3f ms, table of %zu slots\n", EVENTS,
	       slowest * 1e3 / ctrail_ticks_per_second(), table.size);
	return rc ? 1 : 0;
}
