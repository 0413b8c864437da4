/* stack_tree.c - see stack_tree.h.  The hash table is keyed by the parent's
 * index mixed with the hash of the name's bytes (not its pointer, so names
 * merge even if they come from different symbols) and grows at half load. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stack_tree.h"
#include "summary.h"

struct stack_open {
	uint32_t node;
	uint64_t begin_ns;
};

void stack_tree_init(struct stack_tree *t, int per_thread)
{
	*t = (struct stack_tree){ .per_thread = per_thread, .clip_to_ns = UINT64_MAX };
	lanes_init(&t->open, sizeof(struct stack_open));
}

void stack_tree_free(struct stack_tree *t)
{
	for (size_t i = 0; i < t->nlabels; i++)
		free(t->labels[i]);
	free(t->labels);
	free(t->nodes);
	free(t->slots);
	lanes_free(&t->open);
}

static uint64_t key_hash(uint32_t parent, const char *name)
{
	return (summary_name_hash(name) ^ parent * 0x9e3779b97f4a7c15ull) *
	       0xff51afd7ed558ccdull;
}

static int grow_slots(struct stack_tree *t)
{
	uint32_t n = t->nslots ? 2 * t->nslots : 1024;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 1; i < t->nnodes; i++) {
		uint64_t h = key_hash(t->nodes[i].parent, t->nodes[i].name);

		while (slots[h & (n - 1)])
			h++;
		slots[h & (n - 1)] = i;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

static int add_root(struct stack_tree *t)
{
	t->cap = 1024;
	t->nodes = calloc(t->cap, sizeof(*t->nodes));
	if (!t->nodes)
		return -ENOMEM;
	t->nodes[0].name = "all";
	t->nnodes = 1;
	return grow_slots(t);
}

/* The slot of the child of parent named name: holding it, or empty. */
static uint32_t *slot_of(const struct stack_tree *t, uint32_t parent, const char *name)
{
	uint64_t h = key_hash(parent, name);
	uint32_t *slot, i;

	for (;; h++) {
		slot = &t->slots[h & (t->nslots - 1)];
		if (!*slot)
			return slot;
		i = *slot;
		if (t->nodes[i].parent == parent &&
		    (t->nodes[i].name == name || !strcmp(t->nodes[i].name, name)))
			return slot;
	}
}

uint32_t stack_tree_find(const struct stack_tree *t, uint32_t parent, const char *name)
{
	return t->nslots ? *slot_of(t, parent, name) : STACK_NONE;
}

/* The child of parent named name, made if new; 0 on no memory. */
static uint32_t child(struct stack_tree *t, uint32_t parent, const char *name)
{
	uint32_t *slot = slot_of(t, parent, name), i;

	if (*slot)
		return *slot;
	if (t->nnodes == t->cap) {
		struct stack_node *grown = realloc(t->nodes, 2 * t->cap * sizeof(*grown));

		if (!grown)
			return 0;
		t->nodes = grown;
		t->cap *= 2;
	}
	i = t->nnodes++;
	t->nodes[i] = (struct stack_node){ .name = name, .parent = parent,
					   .depth = t->nodes[parent].depth + 1 };
	if (t->nodes[i].depth > t->max_depth)
		t->max_depth = t->nodes[i].depth;
	*slot = i;
	if (2 * t->nnodes > t->nslots && grow_slots(t) < 0)
		return 0;
	return i;
}

int stack_tree_begin_file(void *ctx, const struct reader_snapshot *snap,
			  const struct time_base *tb)
{
	struct stack_tree *t = ctx;

	t->tb = tb;
	return t->nodes ? 0 : add_root(t);
}

/* The node "NAME [TID]" under the root that a thread's or a context's
 * stacks hang from (per_thread), or the root; 0 on no memory. */
static uint32_t label_node(struct stack_tree *t, const char *name)
{
	char **grown;
	char *label;

	if (!t->per_thread)
		return 0;
	grown = realloc(t->labels, (t->nlabels + 1) * sizeof(char *));
	if (!grown)
		return 0;
	t->labels = grown;
	if (asprintf(&label, "%s [%u]", name, t->thread->hdr->tid) < 0)
		return 0;
	t->labels[t->nlabels++] = label;
	return child(t, 0, label);
}

int stack_tree_thread(void *ctx, const struct reader_thread *th)
{
	struct stack_tree *t = ctx;

	t->thread = th;
	if (lanes_reset(&t->open))
		return -ENOMEM;
	t->base = label_node(t, th->name[0] ? th->name : "thread");
	t->open.cur->base = t->base;
	return t->base || !t->per_thread ? 0 : -ENOMEM;
}

int stack_tree_track(void *ctx, const struct track *tr)
{
	struct stack_tree *t = ctx;

	if (lanes_select(&t->open, tr->index))
		return -ENOMEM;
	if (!tr->index || tr->uses)
		return 0;
	t->open.cur->base = label_node(t, tr->name);
	return t->open.cur->base || !t->per_thread ? 0 : -ENOMEM;
}

int stack_tree_slice_begin(void *ctx, const struct slice *s)
{
	struct stack_tree *t = ctx;
	struct stack_open *top = lanes_top(&t->open), *o;
	uint32_t parent = top ? top->node : t->open.cur->base;
	uint32_t node = child(t, parent, s->sym->name);

	if (!node || !(o = lanes_push(&t->open)))
		return -ENOMEM;
	*o = (struct stack_open){ .node = node,
				  .begin_ns = time_base_ns(t->tb, s->begin_tsc) };
	return 0;
}

int stack_tree_slice_end(void *ctx, const struct slice *s)
{
	struct stack_tree *t = ctx;
	struct stack_open *o = lanes_pop(&t->open);
	uint64_t begin = o->begin_ns, end = time_base_ns(t->tb, s->end_tsc), value;
	int inside = summary_clip(t->clip_from_ns, t->clip_to_ns, &begin, &end);

	if (!inside)
		begin = end = t->clip_from_ns;
	value = t->measure ? t->measure(t->measure_ctx, t, o->node, t->open.cur->depth, begin, end)
			   : end - begin;
	if (value == UINT64_MAX)
		return -ENOMEM;
	if (inside) {
		t->nodes[o->node].total_ns += value;
		t->nodes[o->node].calls++;
	}
	return 0;
}

int stack_tree_add(struct stack_tree *t, uint32_t parent, const char *name,
		   uint64_t value)
{
	uint32_t node = child(t, parent, name);

	if (!node)
		return -ENOMEM;
	t->nodes[node].total_ns += value;
	t->nodes[node].calls++;
	return 0;
}

const struct emitter_ops stack_tree_ops = {
	.begin_file = stack_tree_begin_file,
	.thread = stack_tree_thread,
	.track = stack_tree_track,
	.slice_begin = stack_tree_slice_begin,
	.slice_end = stack_tree_slice_end,
};

static const struct stack_node *sort_nodes;

/* Children of a parent together, in name order. */
static int by_parent_name(const void *a, const void *b)
{
	const struct stack_node *x = &sort_nodes[*(const uint32_t *)a];
	const struct stack_node *y = &sort_nodes[*(const uint32_t *)b];

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int link_children(struct stack_tree *t)
{
	uint32_t n = t->nnodes - 1, *order = malloc((n + 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		order[i] = i + 1;
	sort_nodes = t->nodes;
	qsort(order, n, sizeof(*order), by_parent_name);
	for (uint32_t i = 0; i < t->nnodes; i++)
		t->nodes[i].child = STACK_NONE;
	/* backwards, each node pushed in front of its parent's list */
	for (uint32_t i = n; i-- > 0;) {
		struct stack_node *c = &t->nodes[order[i]];

		c->sibling = t->nodes[c->parent].child;
		t->nodes[c->parent].child = order[i];
	}
	free(order);
	return 0;
}

int stack_tree_finish(struct stack_tree *t)
{
	if (!t->nodes && add_root(t) < 0)
		return -ENOMEM;
	/* self_ns first sums the children's totals; a parent's index is
	 * smaller than its children's, so going backwards sees every child
	 * before its parent.  Nodes without calls (root, thread) total their
	 * children. */
	for (uint32_t i = 0; i < t->nnodes; i++)
		t->nodes[i].self_ns = 0;
	for (uint32_t i = t->nnodes; i-- > 1;) {
		struct stack_node *n = &t->nodes[i];

		if (!n->calls)
			n->total_ns = n->self_ns;
		t->nodes[n->parent].self_ns += n->total_ns;
	}
	t->nodes[0].total_ns = t->nodes[0].self_ns;
	for (uint32_t i = 0; i < t->nnodes; i++)
		t->nodes[i].self_ns = t->nodes[i].total_ns - t->nodes[i].self_ns;
	return link_children(t);
}
