/* lanes.h - for the summaries built on the timeline (stack trees, report,
 * replay): a stack of open calls per track of the current thread
 * (timeline.h), since the slices of a thread's contexts and fibers
 * interleave in time, each well nested on its own track.
 *
 * Lane i holds track i's open items (item_size bytes each, in one array
 * grown by doubling); `cur` is the track the timeline last selected.
 * Memory is the deepest stack of each track. */
#ifndef LANES_H
#define LANES_H

#include <stddef.h>
#include <stdint.h>

struct lane {
	char *items;
	size_t depth, cap;
	uint32_t base; /* for the caller: e.g. the node a track's stacks hang from */
};

struct lanes {
	struct lane *all;
	size_t n, item_size;
	struct lane *cur;
};

void lanes_init(struct lanes *l, size_t item_size);
void lanes_free(struct lanes *l);
/* A new thread: every lane empty, lane 0 current.  -ENOMEM. */
int lanes_reset(struct lanes *l);
/* Makes track index's lane current.  -ENOMEM. */
int lanes_select(struct lanes *l, unsigned index);
/* A new item on top of the current lane; NULL on no memory. */
void *lanes_push(struct lanes *l);
/* The current lane's top item, removed by pop; NULL when it is empty. */
void *lanes_top(const struct lanes *l);
void *lanes_pop(struct lanes *l);

#endif
