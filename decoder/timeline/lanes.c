/* lanes.c - see lanes.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lanes.h"

void lanes_init(struct lanes *l, size_t item_size)
{
	*l = (struct lanes){ .item_size = item_size };
}

void lanes_free(struct lanes *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->all[i].items);
	free(l->all);
	lanes_init(l, l->item_size);
}

int lanes_select(struct lanes *l, unsigned index)
{
	if (index >= l->n) {
		size_t n = 2 * (size_t)index + 4;
		struct lane *grown = realloc(l->all, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		memset(grown + l->n, 0, (n - l->n) * sizeof(*grown));
		l->all = grown;
		l->n = n;
	}
	l->cur = &l->all[index];
	return 0;
}

int lanes_reset(struct lanes *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->all[i].depth = 0;
	return lanes_select(l, 0);
}

void *lanes_push(struct lanes *l)
{
	struct lane *c = l->cur;

	if (c->depth == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		char *grown = realloc(c->items, cap * l->item_size);

		if (!grown)
			return NULL;
		c->items = grown;
		c->cap = cap;
	}
	return c->items + c->depth++ * l->item_size;
}

void *lanes_top(const struct lanes *l)
{
	const struct lane *c = l->cur;

	return c->depth ? c->items + (c->depth - 1) * l->item_size : NULL;
}

void *lanes_pop(struct lanes *l)
{
	void *top = lanes_top(l);

	if (top)
		l->cur->depth--;
	return top;
}
