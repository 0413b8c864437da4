/* open_before.c - see open_before.h.  Works on symbols: two frames are the
 * same function when their symbols start at the same address. */
#include <string.h>
#include "open_before.h"

static int same(const struct symbol *a, const struct symbol *b)
{
	return !(a->flags & SYMBOL_UNKNOWN) && !(b->flags & SYMBOL_UNKNOWN) &&
	       a->start == b->start;
}

/* The runtime's frames: its API, its hooks, XRay's trampolines. */
static int runtime_frame(const struct symbol *s)
{
	static const char *const prefixes[] = {
		"ctrail_", "__cyg_profile_func_", "__fentry__", "__return__",
		"__xray_", NULL,
	};

	for (const char *const *p = prefixes; *p; p++)
		if (!strncmp(s->name, *p, strlen(*p)))
			return 1;
	return 0;
}

/* Index in S (innermost first) of the outermost frame the ring opened,
 * or -1: the open frames are matched innermost first, each to the next
 * frame of the same function further out; one with no such frame (an
 * inlined function has none) is passed over. */
static long outermost_opened(const struct open_before_input *in, size_t from)
{
	long found = -1;
	size_t at = from;

	for (size_t j = in->nopen; j-- > 0;)
		for (size_t p = at; p < in->nunwound; p++)
			if (same(in->unwound[p], in->open[j])) {
				found = (long)p;
				at = p + 1;
				break;
			}
	return found;
}

/* Past the runtime's own frames when the thread took its own stack: up to
 * the outermost ctrail_* function (the API call). */
static size_t past_self(const struct open_before_input *in)
{
	size_t from = 0;

	for (size_t p = 0; in->self && p < in->nunwound; p++)
		if (!strncmp(in->unwound[p]->name, "ctrail_", 7))
			from = p + 1;
	return from;
}

static int unsure_edge(const struct open_before_input *in, const struct symbol *s)
{
	if ((s->flags & SYMBOL_UNKNOWN) || runtime_frame(s))
		return 1;
	if (s->module >= 0 && s->module < 64 && !(in->traced_modules >> s->module & 1))
		return 1;
	for (size_t i = 0; i < in->ncallees; i++)
		if (same(in->callees[i], s))
			return 1;
	return 0;
}

size_t open_before_frames(const struct open_before_input *in,
			  const struct symbol **out)
{
	size_t from = past_self(in), n = 0;
	long opened = outermost_opened(in, from);

	if (opened >= 0)
		from = opened + 1;
	while (from < in->nunwound && unsure_edge(in, in->unwound[from]))
		from++;
	for (size_t p = in->nunwound; p-- > from;)
		out[n++] = in->unwound[p];
	return n;
}
