/* emit_pprof.c - pprof's profile format (profile.proto, a Profile message,
 * gzipped), which `go tool pprof`, Pyroscope, Parca, Grafana and the cloud
 * profilers read.  Field numbers from profile.proto; encoded by hand
 * (protobuf.h), compressed with zlib's gzip.
 *
 * One Sample per distinct call stack of the snapshot (the stack_tree, all
 * threads merged, as the folded output), with three values, the
 * sample_type list: "calls"/"count" (calls that ended on that stack),
 * "total"/"nanoseconds" (their summed durations) and "self"/"nanoseconds"
 * (total minus the callees').  The default sample type is self, so pprof's
 * flat column is the report's self time and its cum column (each sample
 * counted once per function on its stack) the report's total time.  Every
 * stack has its sample, a self time of 0 included, like the folded lines.
 *
 * A Function per function name (same-named functions merge, as in the
 * stack tree), with its file and declaration line; a Location per function
 * at its first byte, one Line; a Mapping per module of the snapshot with
 * its address range, path and build id (hex), flagged as symbolized so
 * pprof does not look for the binaries.  Ids are 1, 2, ... in order of
 * first use; the string table starts with "" as the format asks.
 *
 * The Profile is built in memory (its size grows with the distinct stacks,
 * not the calls) at the end of the snapshot, then gzipped to the fd through
 * an outbuf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "emit.h"
#include "outbuf.h"
#include "protobuf.h"
#include "stack_tree.h"
#include "symbols.h"

/* Field numbers. */
enum {
	/* Profile */
	P_SAMPLE_TYPE = 1, P_SAMPLE = 2, P_MAPPING = 3, P_LOCATION = 4,
	P_FUNCTION = 5, P_STRING_TABLE = 6, P_TIME_NANOS = 9,
	P_DURATION_NANOS = 10, P_PERIOD_TYPE = 11, P_PERIOD = 12,
	P_DEFAULT_SAMPLE_TYPE = 14,
	/* ValueType */
	VT_TYPE = 1, VT_UNIT = 2,
	/* Sample */
	S_LOCATION_ID = 1, S_VALUE = 2,
	/* Mapping */
	M_ID = 1, M_MEMORY_START = 2, M_MEMORY_LIMIT = 3, M_FILE_OFFSET = 4,
	M_FILENAME = 5, M_BUILD_ID = 6, M_HAS_FUNCTIONS = 7,
	M_HAS_FILENAMES = 8, M_HAS_LINE_NUMBERS = 9,
	/* Location, Line */
	L_ID = 1, L_MAPPING_ID = 2, L_ADDRESS = 3, L_LINE = 4,
	LN_FUNCTION_ID = 1, LN_LINE = 2,
	/* Function */
	F_ID = 1, F_NAME = 2, F_SYSTEM_NAME = 3, F_FILENAME = 4, F_START_LINE = 5,
};

#define ROOM 256 /* bytes of a message's fixed fields, at most */

struct pprof {
	struct stack_tree tree; /* first: the stack_tree callbacks take it */
	struct outbuf out;            /* the gzipped Profile on its way to the fd */
	int err;
	const struct reader_snapshot *snap;
	const struct time_base *tb;
	struct intern funcs;          /* name (the symbolizer's pointer) -> id */
	const struct symbol **syms;   /* by id - 1: the first symbol of the name */
	struct intern strings;        /* string -> index in the string table */
	char **strs;                  /* copies, by index - 1; index 0 is "" */
	uint8_t *buf;                 /* the Profile being built */
	size_t len, cap;
};

static int reserve(struct pprof *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 1 << 16;
	uint8_t *grown;

	if (p->len + n <= p->cap)
		return 0;
	while (cap < p->len + n)
		cap *= 2;
	if (!(grown = realloc(p->buf, cap)))
		return -ENOMEM;
	p->buf = grown;
	p->cap = cap;
	return 0;
}

/* The string table index of s, added (copied) if new; 0 for "" or no
 * memory (p->err says which). */
static int64_t str(struct pprof *p, const char *s)
{
	size_t n = strlen(s);
	uint32_t i = n ? intern_str_find(&p->strings, s, n) : 0;
	char **grown;

	if (i || !n)
		return i;
	if (!(i = intern_str_add(&p->strings, s, n)) ||
	    !(grown = realloc(p->strs, i * sizeof(*grown))) ||
	    !(grown[i - 1] = strdup(s))) {
		p->err = -ENOMEM;
		return 0;
	}
	p->strs = grown;
	return i;
}

static int pprof_begin_file(void *ctx, const struct reader_snapshot *snap,
			    const struct time_base *tb)
{
	struct pprof *p = ctx;

	p->snap = snap;
	p->tb = tb;
	return stack_tree_begin_file(ctx, snap, tb);
}

static int pprof_slice_begin(void *ctx, const struct slice *s)
{
	struct pprof *p = ctx;
	const struct symbol **grown;
	uint32_t id;

	if (!intern_ptr_find(&p->funcs, s->sym->name)) {
		if (!(id = intern_ptr_add(&p->funcs, s->sym->name, 0)) ||
		    !(grown = realloc(p->syms, id * sizeof(*grown))))
			return -ENOMEM;
		p->syms = grown;
		p->syms[id - 1] = s->sym;
	}
	return stack_tree_slice_begin(ctx, s);
}

static uint8_t *value_type(struct pprof *p, uint8_t *o, unsigned field,
			   const char *type, const char *unit)
{
	uint8_t *slot;

	o = pb_open(o, field, &slot);
	o = pb_int(o, VT_TYPE, str(p, type));
	o = pb_int(o, VT_UNIT, str(p, unit));
	return pb_close(slot, o);
}

static int put_header(struct pprof *p)
{
	uint8_t *o;

	if (reserve(p, 4 * ROOM))
		return -ENOMEM;
	o = p->buf + p->len;
	o = value_type(p, o, P_SAMPLE_TYPE, "calls", "count");
	o = value_type(p, o, P_SAMPLE_TYPE, "total", "nanoseconds");
	o = value_type(p, o, P_SAMPLE_TYPE, "self", "nanoseconds");
	o = value_type(p, o, P_PERIOD_TYPE, "wall", "nanoseconds");
	o = pb_int(o, P_PERIOD, 1);
	o = pb_int(o, P_DEFAULT_SAMPLE_TYPE, str(p, "self"));
	o = pb_int(o, P_DURATION_NANOS, p->tree.nodes[0].total_ns);
	if (p->tb->origin_ns)
		o = pb_int(o, P_TIME_NANOS, time_base_ns(p->tb, p->tb->first_tsc));
	p->len = o - p->buf;
	return 0;
}

/* A sample per node but the root: its stack leaf first, its values. */
static int put_samples(struct pprof *p)
{
	const struct stack_tree *t = &p->tree;

	for (uint32_t i = 1; i < t->nnodes; i++) {
		const struct stack_node *n = &t->nodes[i];
		uint8_t *o, *slot, *list;

		if (reserve(p, ROOM + PB_VARINT_MAX * (size_t)n->depth))
			return -ENOMEM;
		o = pb_open(p->buf + p->len, P_SAMPLE, &slot);
		o = pb_open(o, S_LOCATION_ID, &list); /* packed */
		for (uint32_t j = i; j; j = t->nodes[j].parent)
			o = pb_varint(o, intern_ptr_find(&p->funcs, t->nodes[j].name));
		o = pb_close(list, o);
		o = pb_open(o, S_VALUE, &list);
		o = pb_varint(pb_varint(pb_varint(o, n->calls), n->total_ns), n->self_ns);
		o = pb_close(list, o);
		p->len = pb_close(slot, o) - p->buf;
	}
	return 0;
}

static int put_mappings(struct pprof *p)
{
	for (size_t i = 0; i < p->snap->nmodules; i++) {
		const struct reader_module *m = &p->snap->modules[i];
		char path[4096], id[2 * 64 + 1] = "";
		uint64_t start = UINT64_MAX, limit = 0, offset = 0;
		uint8_t *o, *slot;

		for (uint32_t s = 0; s < m->hdr->nsegments; s++) {
			if (m->segs[s].start < start) {
				start = m->segs[s].start;
				offset = m->segs[s].file_offset;
			}
			if (m->segs[s].end > limit)
				limit = m->segs[s].end;
		}
		for (uint32_t b = 0; b < m->hdr->build_id_size && b < 64; b++)
			sprintf(id + 2 * b, "%02x", m->build_id[b]);
		snprintf(path, sizeof(path), "%.*s", (int)m->hdr->path_size, m->path);
		if (reserve(p, ROOM))
			return -ENOMEM;
		o = pb_open(p->buf + p->len, P_MAPPING, &slot);
		o = pb_uint(o, M_ID, i + 1);
		o = pb_uint(o, M_MEMORY_START, start == UINT64_MAX ? 0 : start);
		o = pb_uint(o, M_MEMORY_LIMIT, limit);
		o = pb_uint(o, M_FILE_OFFSET, offset);
		o = pb_int(o, M_FILENAME, str(p, path));
		o = pb_int(o, M_BUILD_ID, str(p, id));
		o = pb_uint(o, M_HAS_FUNCTIONS, 1);
		o = pb_uint(o, M_HAS_FILENAMES, 1);
		o = pb_uint(o, M_HAS_LINE_NUMBERS, 1);
		p->len = pb_close(slot, o) - p->buf;
	}
	return 0;
}

/* A Location and a Function per function name. */
static int put_functions(struct pprof *p)
{
	for (uint32_t id = 1; id <= p->funcs.count; id++) {
		const struct symbol *sym = p->syms[id - 1];
		uint8_t *o, *slot, *line;

		if (reserve(p, 2 * ROOM))
			return -ENOMEM;
		o = pb_open(p->buf + p->len, P_LOCATION, &slot);
		o = pb_uint(o, L_ID, id);
		if (sym->module >= 0)
			o = pb_uint(o, L_MAPPING_ID, sym->module + 1);
		o = pb_uint(o, L_ADDRESS, sym->start);
		o = pb_open(o, L_LINE, &line);
		o = pb_uint(o, LN_FUNCTION_ID, id);
		if (sym->line)
			o = pb_int(o, LN_LINE, sym->line);
		o = pb_close(line, o);
		o = pb_close(slot, o);
		o = pb_open(o, P_FUNCTION, &slot);
		o = pb_uint(o, F_ID, id);
		o = pb_int(o, F_NAME, str(p, sym->name));
		o = pb_int(o, F_SYSTEM_NAME, str(p, sym->name));
		if (sym->file)
			o = pb_int(o, F_FILENAME, str(p, sym->file));
		if (sym->line)
			o = pb_int(o, F_START_LINE, sym->line);
		p->len = pb_close(slot, o) - p->buf;
	}
	return 0;
}

/* The string table, last: every index is known by then. */
static int put_strings(struct pprof *p)
{
	if (reserve(p, PB_VARINT_MAX))
		return -ENOMEM;
	p->len = pb_bytes(p->buf + p->len, P_STRING_TABLE, "", 0) - p->buf;
	for (uint32_t i = 1; i <= p->strings.count; i++) {
		const char *s = p->strs[i - 1];
		size_t n = strlen(s);
		if (reserve(p, 2 * PB_VARINT_MAX + n))
			return -ENOMEM;
		p->len = pb_bytes(p->buf + p->len, P_STRING_TABLE, s, n) - p->buf;
	}
	return 0;
}

/* p->buf gzipped to the fd through the output buffer. */
static int write_gzip(struct pprof *p)
{
	z_stream z = { 0 };
	int zr = Z_OK, err;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = p->buf;
	z.avail_in = p->len;
	while (zr == Z_OK && !outbuf_reserve(&p->out, OUTBUF_SIZE / 2)) {
		z.next_out = outbuf_tail(&p->out);
		z.avail_out = OUTBUF_SIZE - p->out.len;
		zr = deflate(&z, Z_FINISH);
		outbuf_commit(&p->out, z.next_out);
	}
	deflateEnd(&z);
	err = outbuf_flush(&p->out);
	return err ? err : zr == Z_STREAM_END ? 0 : -EIO;
}

static int pprof_end_file(void *ctx)
{
	struct pprof *p = ctx;
	int err = stack_tree_finish(&p->tree);

	if (!err)
		err = put_header(p);
	if (!err)
		err = put_samples(p);
	if (!err)
		err = put_mappings(p);
	if (!err)
		err = put_functions(p);
	if (!err && p->err)
		err = p->err;
	if (!err)
		err = put_strings(p);
	if (!err)
		err = write_gzip(p);
	return p->err = err;
}

const struct emitter_ops pprof_emitter_ops = {
	.begin_file = pprof_begin_file,
	.thread = stack_tree_thread,
	.track = stack_tree_track,
	.slice_begin = pprof_slice_begin,
	.slice_end = stack_tree_slice_end,
	.end_file = pprof_end_file,
};

void *pprof_emitter_new(int fd)
{
	struct pprof *p = calloc(1, sizeof(*p));

	if (p) {
		stack_tree_init(&p->tree, 0);
		intern_init(&p->funcs);
		intern_init(&p->strings);
		outbuf_init(&p->out, fd);
	}
	return p;
}

int pprof_emitter_free(void *emitter)
{
	struct pprof *p = emitter;
	int err = p->err;

	for (uint32_t i = 0; p->strs && i < p->strings.count; i++)
		free(p->strs[i]);
	free(p->strs);
	stack_tree_free(&p->tree);
	intern_free(&p->funcs);
	intern_free(&p->strings);
	free(p->syms);
	free(p->buf);
	free(p);
	return err;
}
