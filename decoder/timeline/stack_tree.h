/* stack_tree.h - the calls of a timeline merged per call stack: one node
 * per distinct path of function names from the root, with the exact time
 * spent in it.  The folded-stacks emitter and `ctrail flame` are built on
 * it.
 *
 * Nodes live in one array; node 0 is the root ("all", the sum of
 * everything), every other node has a parent with a smaller index and is
 * found from (parent, name) through an open-addressing hash table.  A
 * node's total is the sum of the durations of the calls that ended on its
 * path (each duration is end minus begin after both are converted to ns,
 * as in the JSON output), its self time the total minus its children's
 * totals, so the self times of all nodes add up exactly to the traced time
 * of the walked threads.  Same-named functions merge (as in flamegraph.pl);
 * names are borrowed from the symbolizer, so the tree must be used before
 * it is freed.  Memory is the number of distinct stacks, not of calls.
 *
 * With per_thread, each thread's stacks hang under a node named after the
 * thread ("NAME [TID]") instead of directly under the root.  A context or
 * fiber (timeline.h) is a stack of its own, like a thread: its calls hang
 * from the root, or with per_thread from "CONTEXT [TID]".
 *
 * Two optional settings change what a call counts for: a window
 * [clip_from_ns, clip_to_ns] the calls are cut to (summary_clip; calls
 * outside it are not counted), and a measure replacing the cut duration
 * (cpu_split.c's on- and off-CPU time). */
#ifndef STACK_TREE_H
#define STACK_TREE_H

#include <stdint.h>
#include "lanes.h"
#include "timeline.h"

#define STACK_NONE 0 /* no child / no sibling: the root is no one's child */

struct stack_node {
	const char *name;
	uint32_t parent, child, sibling; /* child: first child */
	uint32_t depth;                  /* 0 for the root */
	uint64_t total_ns, self_ns, calls;
};

struct stack_open; /* a frame not ended yet */
struct stack_tree;

/* What the call of node cut to [begin_ns, end_ns] counts for; depth is
 * its depth on its track's stack (0: outermost).  Called for every call
 * in its end order, also with begin_ns == end_ns for calls left out by
 * the window.  May add nodes (stack_tree_add); returns the value, or
 * UINT64_MAX when out of memory. */
typedef uint64_t stack_tree_measure(void *ctx, struct stack_tree *t, uint32_t node,
				    size_t depth, uint64_t begin_ns, uint64_t end_ns);

struct stack_tree {
	struct stack_node *nodes;
	uint32_t nnodes, cap;
	uint32_t *slots; /* node indexes by (parent, name); 0 is empty */
	uint32_t nslots;
	struct lanes open; /* struct stack_open, per track */
	const struct time_base *tb;
	int per_thread;
	uint32_t base;   /* the node the current thread's stacks hang from */
	char **labels;   /* thread names made for per_thread, owned */
	size_t nlabels;
	uint32_t max_depth;
	uint64_t clip_from_ns, clip_to_ns; /* [0, UINT64_MAX] after init */
	stack_tree_measure *measure;       /* NULL: the duration */
	void *measure_ctx;
	const struct reader_thread *thread; /* being walked */
};

void stack_tree_init(struct stack_tree *t, int per_thread);
void stack_tree_free(struct stack_tree *t);

/* Adds value and one call to the child of parent called name (made if
 * new; name must outlive the tree).  Returns 0 or -ENOMEM. */
int stack_tree_add(struct stack_tree *t, uint32_t parent, const char *name,
		   uint64_t value);

/* The child of parent called name, or STACK_NONE. */
uint32_t stack_tree_find(const struct stack_tree *t, uint32_t parent, const char *name);

/* struct emitter_ops callbacks over a ctx whose first member is a
 * struct stack_tree (stack_tree_ops uses them as is). */
int stack_tree_begin_file(void *ctx, const struct reader_snapshot *snap,
			  const struct time_base *tb);
int stack_tree_thread(void *ctx, const struct reader_thread *t);
int stack_tree_track(void *ctx, const struct track *tr);
int stack_tree_slice_begin(void *ctx, const struct slice *s);
int stack_tree_slice_end(void *ctx, const struct slice *s);
extern const struct emitter_ops stack_tree_ops;

/* After the walk: totals of the root and thread nodes, self times, and
 * every node's children linked in name order (strcmp).  Returns 0 or
 * -ENOMEM. */
int stack_tree_finish(struct stack_tree *t);

#endif
