/* emit_folded.c - folded stacks, the text format flamegraph.pl,
 * speedscope, inferno and others read: one line per distinct call stack,
 *   main;middle;leaf 1234
 * the frames from the outermost, separated by ';', then a space and the
 * stack's exact self time in nanoseconds (time spent in its last function
 * and not in a call from it).  The values add up to the traced time of the
 * threads written.  Stacks of all threads are merged (--threads picks
 * threads); every stack has its line, a self time of 0 included, so the
 * set of lines does not depend on timing.  Lines come in
 * depth-first order, children by name, so the output is deterministic.  A
 * ';' in a function name is written as ':' and a newline as a space, so
 * every line parses.
 *
 * The stacks are gathered in a stack_tree (memory: distinct stacks) and
 * written at the end of the snapshot through stdio on a dup of the fd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emit.h"
#include "stack_tree.h"

struct folded {
	struct stack_tree tree; /* first: the stack_tree callbacks take it */
	int fd;
	int err;
};

static void put_name(FILE *out, const char *name)
{
	for (; *name; name++)
		putc(*name == ';' ? ':' : *name == '\n' ? ' ' : *name, out);
}

static void put_stack(FILE *out, const struct stack_tree *t, uint32_t i)
{
	if (t->nodes[i].parent) {
		put_stack(out, t, t->nodes[i].parent);
		putc(';', out);
	}
	put_name(out, t->nodes[i].name);
}

/* Depth first from the root's children, without recursion. */
static void write_stacks(FILE *out, const struct stack_tree *t)
{
	uint32_t i = t->nodes[0].child;

	while (i != STACK_NONE) {
		const struct stack_node *n = &t->nodes[i];

		put_stack(out, t, i);
		fprintf(out, " %llu\n", (unsigned long long)n->self_ns);
		if (n->child != STACK_NONE) {
			i = n->child;
			continue;
		}
		while (i && t->nodes[i].sibling == STACK_NONE)
			i = t->nodes[i].parent;
		i = i ? t->nodes[i].sibling : STACK_NONE;
	}
}

static int folded_end_file(void *ctx)
{
	struct folded *f = ctx;
	int fd = dup(f->fd);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!out) {
		if (fd >= 0)
			close(fd);
		return f->err = -errno;
	}
	f->err = stack_tree_finish(&f->tree);
	if (!f->err)
		write_stacks(out, &f->tree);
	if ((ferror(out) | fclose(out)) && !f->err)
		f->err = errno ? -errno : -EIO;
	return f->err;
}

const struct emitter_ops folded_emitter_ops = {
	.begin_file = stack_tree_begin_file,
	.thread = stack_tree_thread,
	.track = stack_tree_track,
	.slice_begin = stack_tree_slice_begin,
	.slice_end = stack_tree_slice_end,
	.end_file = folded_end_file,
};

void *folded_emitter_new(int fd)
{
	struct folded *f = malloc(sizeof(*f));

	if (f) {
		stack_tree_init(&f->tree, 0);
		f->fd = fd;
		f->err = 0;
	}
	return f;
}

int folded_emitter_free(void *emitter)
{
	struct folded *f = emitter;
	int err = f->err;

	stack_tree_free(&f->tree);
	free(f);
	return err;
}
