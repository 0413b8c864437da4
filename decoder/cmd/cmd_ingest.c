/* cmd_ingest.c - `ctrail ingest --clickhouse URL TRACE.ctr...`: every
 * snapshot of the traces into ClickHouse over its HTTP interface
 * (clickhouse.c), for questions across snapshots and hosts (docs/fleet.md:
 * the schema, why its keys, the example queries).
 *
 * Per snapshot: one row in ctrail_snapshots, one per function in
 * ctrail_functions (calls, total, self, max as `ctrail report` counts them:
 * by name, total the time on the stack, a recursion's outermost call only;
 * with scheduling events, the total split into on-CPU, runnable and
 * blocked as `report --cpu` splits it, cpu_split.c)
 * and with --calls one per call in ctrail_calls.  The tables are made if
 * missing.  A snapshot's id is a 128-bit hash of its chunks' bytes, so the
 * same snapshot ingested twice (or from its pack) has the same id: one
 * already in ctrail_snapshots is skipped, and the ReplacingMergeTree
 * tables fold the rows of a race between two ingests into one.  The
 * snapshot rows are written last, after their functions and calls: a
 * snapshot is complete once its row is there, and one whose ingest failed
 * has none, so it is ingested again next time (its rows replacing those
 * sent before).
 *
 * The rows are gathered as TabSeparated text in memory streams
 * (open_memstream) while the timeline walks each snapshot, and sent per
 * table once BATCH_BYTES are waiting and at the end (ClickHouse makes a
 * part per INSERT and wants few large ones); functions are found
 * by the symbolizer's name pointer (one string per name) in an intern
 * table, open calls are a stack. */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "clickhouse.h"
#include "cpu_split.h"
#include "lanes.h"
#include "outbuf.h"
#include "timeline.h"

static const struct cli_option options[] = {
	{ "clickhouse", 0, "URL", "ClickHouse's HTTP interface: http://HOST:8123/ (?database=DB ...)" },
	{ "host", 0, "NAME", "the host the traces come from (default: this machine's name)" },
	{ "calls", 0, NULL, "one row per call too (ctrail_calls)" },
	{ "remap", 0, "OLD=NEW", "read binaries under NEW instead of OLD (repeatable)" },
	{ 0 },
};
enum { OPT_CLICKHOUSE, OPT_HOST, OPT_CALLS, OPT_REMAP };

/* The schema (docs/fleet.md says why these keys).  Types and engines as
 * old as ClickHouse 18.16 knows them. */
static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS ctrail_snapshots ("
	" snapshot_id String, host String, program String, exe String, build_id String,"
	" pid UInt32, time DateTime, time_ns UInt64, reason String, name String, flow String,"
	" rank UInt32, duration_ns UInt64, threads UInt32, calls UInt64, traced_ns UInt64,"
	" ingested DateTime"
	") ENGINE = ReplacingMergeTree(ingested) PARTITION BY toYYYYMM(time)"
	" ORDER BY (program, flow, time, snapshot_id)",
	"CREATE TABLE IF NOT EXISTS ctrail_functions ("
	" snapshot_id String, host String, program String, build_id String, time DateTime,"
	" flow String, function String, module String, file String, line UInt32,"
	" calls UInt64, total_ns UInt64, self_ns UInt64, max_ns UInt64,"
	" on_cpu_ns Nullable(UInt64), runnable_ns Nullable(UInt64), blocked_ns Nullable(UInt64),"
	" ingested DateTime"
	") ENGINE = ReplacingMergeTree(ingested) PARTITION BY toYYYYMM(time)"
	" ORDER BY (program, function, build_id, time, snapshot_id)",
	"CREATE TABLE IF NOT EXISTS ctrail_calls ("
	" snapshot_id String, host String, program String, build_id String, time DateTime,"
	" flow String, function String, tid UInt32, seq UInt32, depth UInt32,"
	" begin_ns UInt64, duration_ns UInt64, self_ns UInt64, ingested DateTime"
	") ENGINE = ReplacingMergeTree(ingested) PARTITION BY toYYYYMM(time)"
	" ORDER BY (program, function, build_id, snapshot_id, tid, seq)",
};

struct func {
	const struct symbol *sym;
	uint64_t calls, total_ns, self_ns, max_ns;
	uint64_t split[CPU_SPLITS]; /* of total_ns, with scheduling events */
	uint32_t active; /* calls on the stack now */
};

struct open_call {
	uint32_t func;
	uint32_t seq;
	uint64_t begin_ns, callees_ns;
};

/* Rows of the snapshots not sent yet, as TabSeparated text per table
 * (ROWS_*), and the line to print for each once they are in. */
struct batch {
	FILE *out[3];
	char *text[3];
	size_t len[3];
	char **done;
	size_t n;
};

/* Rows are sent when a batch reaches this size, and at the end: ClickHouse
 * makes a part per INSERT, and wants few large ones. */
#define BATCH_BYTES ((off_t)16 << 20)

struct ingest {
	const char *host;
	int with_calls;
	char **remaps;
	int nremaps;
	struct clickhouse ch;
	/* the snapshot being walked */
	const struct time_base *tb;
	char common[2048]; /* snapshot_id ... flow columns of its rows, TSV */
	struct intern names; /* symbol name -> func index + 1 */
	struct func *funcs;
	uint32_t nfuncs;
	struct lanes open; /* struct open_call, per track (lanes.h) */
	uint32_t tid, seq;
	uint64_t calls, traced_ns;
	FILE *calls_rows; /* NULL without --calls */
	struct cpu_split *cs; /* the snapshot's scheduling, NULL without */
	const struct cpu_track *track; /* of the thread walked */
	struct symbolizer *syms; /* of the open file's last snapshot walked */
	const struct reader_snapshot *syms_snap;
	struct batch batch;
	uint64_t ingested;       /* the rows' version: when this run began (s) */
	uint64_t ingested_count, skipped; /* snapshots */
};

/* Writes s as a TabSeparated field: backslash, tab and newline escaped. */
static void put_field(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' || c == '\t' || c == '\n' || c == '\'')
			fputc('\\', out);
		fputc(c == '\t' ? 't' : c == '\n' ? 'n' : c, out);
	}
}

static void put_str(FILE *out, const char *s)
{
	put_field(out, s, strlen(s));
	fputc('\t', out);
}

/* ---- the walk: functions and calls of one snapshot ---- */

static int ingest_thread(void *ctx, const struct reader_thread *t)
{
	struct ingest *in = ctx;

	in->tid = t->hdr->tid;
	in->seq = 0;
	in->track = in->cs ? cpu_split_track(in->cs, t->hdr->tid) : NULL;
	return lanes_reset(&in->open);
}

static int ingest_track(void *ctx, const struct track *tr)
{
	struct ingest *in = ctx;

	return lanes_select(&in->open, tr->index);
}

static int ingest_slice_begin(void *ctx, const struct slice *s)
{
	struct ingest *in = ctx;
	uint32_t f = intern_ptr_find(&in->names, s->sym->name);
	struct open_call *c;

	if (!f) {
		if (in->nfuncs % 256 == 0) {
			struct func *grown = realloc(in->funcs, (in->nfuncs + 256) * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			in->funcs = grown;
		}
		if (!(f = intern_ptr_add(&in->names, s->sym->name, in->nfuncs + 1)))
			return -ENOMEM;
		in->funcs[in->nfuncs++] = (struct func){ .sym = s->sym };
	}
	if (!(c = lanes_push(&in->open)))
		return -ENOMEM;
	*c = (struct open_call){
		.func = f - 1, .seq = in->seq++, .begin_ns = time_base_ns(in->tb, s->begin_tsc) };
	in->funcs[f - 1].active++;
	return 0;
}

static int ingest_slice_end(void *ctx, const struct slice *s)
{
	struct ingest *in = ctx;
	struct open_call *c = lanes_pop(&in->open), *caller;
	struct func *f = &in->funcs[c->func];
	uint64_t duration = time_base_ns(in->tb, s->end_tsc) - c->begin_ns;

	f->calls++;
	f->self_ns += duration - c->callees_ns;
	if (duration > f->max_ns)
		f->max_ns = duration;
	if (--f->active == 0) {
		f->total_ns += duration;
		if (in->track)
			cpu_track_add_split(in->track, c->begin_ns, c->begin_ns + duration,
					    f->split);
	}
	if ((caller = lanes_top(&in->open)))
		caller->callees_ns += duration;
	else
		in->traced_ns += duration;
	in->calls++;
	if (in->calls_rows) {
		fputs(in->common, in->calls_rows);
		put_str(in->calls_rows, f->sym->name);
		fprintf(in->calls_rows, "%u\t%u\t%zu\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
			in->tid, c->seq, in->open.cur->depth, c->begin_ns, duration,
			duration - c->callees_ns, in->ingested);
	}
	return 0;
}

static const struct emitter_ops ingest_ops = {
	.thread = ingest_thread,
	.track = ingest_track,
	.slice_begin = ingest_slice_begin,
	.slice_end = ingest_slice_end,
};

/* ---- one snapshot ---- */

/* A 128-bit hash of the snapshot's chunks (PACKED ones left out), hex. */
static void snapshot_id(const struct reader *r, const struct reader_snapshot *snap,
			char out[33])
{
	uint64_t h1 = UINT64_C(0x9e3779b97f4a7c15), h2 = UINT64_C(0xc2b2ae3d27d4eb4f);
	uint64_t at = snap->offset;

	for (;;) {
		const struct ctr_chunk_header *h = (const void *)(r->data + at);
		uint64_t size = sizeof(*h) + ((h->size + 7) & ~UINT64_C(7));

		if (at >= r->end_offset || (at != snap->offset && h->tag == CTR_CHUNK_SNAPSHOT))
			break;
		for (uint64_t i = 0; h->tag != CTR_CHUNK_PACKED && i + 8 <= size; i += 8) {
			uint64_t w;

			memcpy(&w, r->data + at + i, 8);
			h1 = (h1 ^ w) * UINT64_C(0xff51afd7ed558ccd);
			h1 ^= h1 >> 29;
			h2 = (h2 + w) * UINT64_C(0xc4ceb9fe1a85ec53);
			h2 ^= h2 >> 31;
		}
		at += size;
	}
	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h1, h2);
}

static const char *base_name(const char *path, size_t n, char *out, size_t size)
{
	const char *slash = memrchr(path, '/', n);
	size_t skip = slash ? (size_t)(slash + 1 - path) : 0;

	snprintf(out, size, "%.*s", (int)(n - skip), path + skip);
	return out;
}

static void main_build_id(const struct reader_snapshot *snap, char out[129])
{
	out[0] = '\0';
	for (size_t i = 0; i < snap->nmodules; i++) {
		const struct reader_module *m = &snap->modules[i];

		if (!(m->hdr->flags & CTR_MODULE_MAIN))
			continue;
		for (uint32_t b = 0; b < m->hdr->build_id_size && b < 64; b++)
			sprintf(out + 2 * b, "%02x", m->build_id[b]);
		return;
	}
}

/* The columns every row of the snapshot starts with. */
static void common_columns(struct ingest *in, const char *id, const char *program,
			   const char *build_id, uint64_t time_ns, const char *flow)
{
	FILE *out = fmemopen(in->common, sizeof(in->common), "w");

	if (!out)
		return;
	put_str(out, id);
	put_str(out, in->host);
	put_str(out, program);
	put_str(out, build_id);
	fprintf(out, "%" PRIu64 "\t", time_ns / 1000000000);
	put_str(out, flow);
	fclose(out);
}

static void function_rows(struct ingest *in, FILE *out, const struct reader_snapshot *snap)
{
	char module[256];

	for (uint32_t i = 0; i < in->nfuncs; i++) {
		const struct func *f = &in->funcs[i];
		const struct reader_module *m =
			f->sym->module >= 0 ? &snap->modules[f->sym->module] : NULL;

		fputs(in->common, out);
		put_str(out, f->sym->name);
		put_str(out, m ? base_name(m->path, m->hdr->path_size, module, sizeof(module)) : "");
		put_str(out, f->sym->file ? f->sym->file : "");
		fprintf(out, "%u\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t",
			f->sym->line, f->calls, f->total_ns, f->self_ns, f->max_ns);
		for (int k = 0; k < CPU_SPLITS; k++)
			if (in->cs)
				fprintf(out, "%" PRIu64 "\t", f->split[k]);
			else
				fputs("\\N\t", out);
		fprintf(out, "%" PRIu64 "\n", in->ingested);
	}
}

static void snapshot_row(struct ingest *in, FILE *out, const struct reader_snapshot *snap,
			 const char *id, const char *program, const char *build_id,
			 uint64_t time_ns, const char *flow, uint64_t duration_ns)
{
	const struct ctr_snapshot *h = snap->hdr;
	const char *reason = reader_reason_name(h->reason);

	put_str(out, id);
	put_str(out, in->host);
	put_str(out, program);
	put_field(out, snap->exe, snap->process->exe_size);
	fputc('\t', out);
	put_str(out, build_id);
	fprintf(out, "%u\t%" PRIu64 "\t%" PRIu64 "\t", snap->process->pid, time_ns / 1000000000,
		time_ns);
	put_str(out, reason ? reason : "unknown");
	put_field(out, snap->name, h->name_size);
	fputc('\t', out);
	put_str(out, flow);
	fprintf(out, "%u\t%" PRIu64 "\t%zu\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n", h->rank,
		duration_ns, snap->nthreads, in->calls, in->traced_ns, in->ingested);
}

static void reset_walk(struct ingest *in)
{
	intern_clear(&in->names);
	in->nfuncs = 0;
	in->calls = in->traced_ns = 0;
}

static int already_there(struct ingest *in, const char *id)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count() FROM ctrail_snapshots WHERE snapshot_id = '%s'", id);
	if (clickhouse_query(&in->ch, sql, NULL, 0) < 0)
		return -EIO;
	return atoi(in->ch.reply) > 0;
}

static int insert(struct ingest *in, const char *table, const char *rows, size_t n)
{
	char sql[128];

	if (!n)
		return 0;
	snprintf(sql, sizeof(sql), "INSERT INTO %s FORMAT TabSeparated", table);
	return clickhouse_query(&in->ch, sql, rows, n);
}

enum { ROWS_FUNCTIONS, ROWS_CALLS, ROWS_SNAPSHOT };
static const char *const tables[] = { "ctrail_functions", "ctrail_calls", "ctrail_snapshots" };

struct snapshot_facts {
	char id[33], program[256], build_id[129], flow[256];
	uint64_t time_ns, duration_ns;
};

static void facts_of(const struct reader *r, const struct reader_snapshot *snap,
		     struct snapshot_facts *f)
{
	const struct ctr_snapshot *h = snap->hdr;
	struct time_base tb, wall;

	snapshot_id(r, snap, f->id);
	base_name(snap->exe, snap->process->exe_size, f->program, sizeof(f->program));
	main_build_id(snap, f->build_id);
	time_base_init(&tb, snap, 0);
	time_base_init(&wall, snap, 1);
	f->time_ns = time_base_ns(&wall, h->taken_tsc);
	f->flow[0] = '\0';
	if (h->reason == CTR_REASON_FLOW)
		snprintf(f->flow, sizeof(f->flow), "%.*s", (int)h->name_size, snap->name);
	f->duration_ns = h->reason == CTR_REASON_FLOW ? ns_from_ticks(tb.hz, h->duration_tsc) :
		h->taken_tsc > tb.first_tsc ? ns_from_ticks(tb.hz, h->taken_tsc - tb.first_tsc) : 0;
}

/* The batch's row streams, opened (again, after a flush). */
static int batch_open(struct batch *b)
{
	for (int i = 0; i < 3; i++) {
		b->len[i] = 0;
		if (!(b->out[i] = open_memstream(&b->text[i], &b->len[i])))
			return -ENOMEM;
	}
	return 0;
}

static void batch_close(struct batch *b)
{
	for (int i = 0; i < 3; i++) {
		if (b->out[i])
			fclose(b->out[i]);
		free(b->text[i]);
		b->out[i] = NULL;
		b->text[i] = NULL;
	}
	for (size_t i = 0; i < b->n; i++)
		free(b->done[i]);
	b->n = 0;
}

/* Sends the batch: functions and calls first, the snapshot rows last
 * (what says the others are complete), then tells what was ingested. */
static int flush(struct ingest *in)
{
	struct batch *b = &in->batch;
	int err = 0;

	for (int i = 0; i < 3 && !err; i++)
		if (fflush(b->out[i]))
			err = -ENOMEM;
	for (int i = 0; i < 3 && !err; i++)
		if (insert(in, tables[i], b->text[i], b->len[i]) < 0) {
			cli_error("%s", in->ch.err);
			err = -EIO;
		}
	for (size_t i = 0; !err && i < b->n; i++)
		fputs(b->done[i], stdout);
	if (!err)
		in->ingested_count += b->n;
	batch_close(b);
	return err ? err : batch_open(b);
}

/* What the streams hold (their len is only updated when flushed). */
static off_t batch_bytes(const struct batch *b)
{
	off_t n = 0;

	for (int i = 0; i < 3; i++)
		n += ftello(b->out[i]);
	return n;
}

static int in_batch(const struct batch *b, const char *id)
{
	for (size_t i = 0; i < b->n; i++)
		if (strstr(b->done[i], id))
			return 1;
	return 0;
}

/* Whether two snapshots of a file have the same modules at the same
 * addresses (a process's flow snapshots do): then one symbolizer serves
 * both, its files opened and its lookups made once. */
static int same_modules(const struct reader_snapshot *a, const struct reader_snapshot *b)
{
	if (a->nmodules != b->nmodules)
		return 0;
	for (size_t i = 0; i < a->nmodules; i++) {
		const struct ctr_module *x = a->modules[i].hdr, *y = b->modules[i].hdr;
		size_t n = sizeof(*x) + x->nsegments * sizeof(struct ctr_segment) +
			   x->build_id_size + x->path_size;

		/* headers first: equal, they size equal parts after them */
		if (memcmp(x, y, sizeof(*x)) || memcmp(x, y, n))
			return 0;
	}
	return 1;
}

/* The symbolizer for a snapshot of the open file: the last one's when the
 * modules are the same, else a new one (NULL after an error message). */
static struct symbolizer *symbolizer_for(struct ingest *in, const struct reader_snapshot *snap)
{
	if (in->syms && same_modules(in->syms_snap, snap))
		return in->syms;
	symbolizer_free(in->syms);
	in->syms = cli_symbolizer(snap, in->remaps, in->nremaps);
	in->syms_snap = snap;
	return in->syms;
}

/* Walks the snapshot and adds its rows to the batch. */
static int make_rows(struct ingest *in, const struct reader_snapshot *snap,
		     const struct snapshot_facts *f)
{
	struct symbolizer *syms = symbolizer_for(in, snap);
	struct cli_threads every = { 0 };
	FILE **out = in->batch.out;
	struct time_base tb;
	struct timeline tl;
	int err = syms ? 0 : -EINVAL;

	if (!err) {
		reset_walk(in);
		time_base_init(&tb, snap, 0);
		in->tb = &tb;
		in->cs = snap->sched_hdr ? cpu_split_new(snap, &tb) : NULL;
		if (snap->sched_hdr && !in->cs)
			err = -errno;
	}
	if (!err) {
		in->calls_rows = in->with_calls ? out[ROWS_CALLS] : NULL;
		common_columns(in, f->id, f->program, f->build_id, f->time_ns, f->flow);
		timeline_init(&tl, syms, &ingest_ops, in);
		err = timeline_snapshot(&tl, snap, &tb, cli_keep_thread, &every, NULL);
		timeline_free(&tl);
	}
	if (!err) {
		function_rows(in, out[ROWS_FUNCTIONS], snap);
		snapshot_row(in, out[ROWS_SNAPSHOT], snap, f->id, f->program, f->build_id,
			     f->time_ns, f->flow, f->duration_ns);
	}
	for (int i = 0; i < 3 && !err; i++)
		if (ferror(out[i]))
			err = -ENOMEM;
	cpu_split_free(in->cs);
	in->cs = NULL;
	in->track = NULL;
	return err;
}

/* The line to print once the snapshot's rows are in. */
static int add_done(struct batch *b, const char *path, size_t index, const struct ingest *in,
		    const char *id)
{
	char **grown = realloc(b->done, (b->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	b->done = grown;
	if (asprintf(&b->done[b->n], "%s snapshot %zu: %u functions, %" PRIu64 " calls%s (snapshot_id %s)\n",
		     path, index, in->nfuncs, in->calls, in->with_calls ? " with their rows" : "",
		     id) < 0)
		return -ENOMEM;
	b->n++;
	return 0;
}

static int ingest_snapshot(struct ingest *in, const struct reader *r, const char *path,
			   size_t index)
{
	const struct reader_snapshot *snap = &r->snapshots[index];
	struct snapshot_facts f;
	int there, err;

	facts_of(r, snap, &f);
	if ((there = in_batch(&in->batch, f.id) ? 1 : already_there(in, f.id)) < 0)
		return cli_error("%s", in->ch.err), -EIO;
	if (there) {
		printf("%s snapshot %zu: already ingested (snapshot_id %s)\n", path, index, f.id);
		in->skipped++;
		return 0;
	}
	err = make_rows(in, snap, &f);
	if (!err)
		err = add_done(&in->batch, path, index, in, f.id);
	if (err && err != -EINVAL)
		cli_error("%s snapshot %zu: %s", path, index, strerror(-err));
	if (!err && batch_bytes(&in->batch) >= BATCH_BYTES)
		err = flush(in);
	return err;
}

static int ingest_file(struct ingest *in, const char *path)
{
	struct reader r;
	int err = 0;

	if (cli_open_trace(&r, path) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r.nsnapshots && !err; i++)
		err = ingest_snapshot(in, &r, path, i);
	/* its symbols point into the file's pack, if any */
	symbolizer_free(in->syms);
	in->syms = NULL;
	reader_close(&r);
	return err;
}

static int make_tables(struct ingest *in)
{
	for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
		if (clickhouse_query(&in->ch, schema[i], NULL, 0) < 0)
			return cli_error("%s", in->ch.err), -EIO;
	return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct ingest in = { .remaps = calloc(argc, sizeof(char *)) };
	char **traces = calloc(argc, sizeof(char *)), host[256];
	const char *url = NULL, *value;
	struct cli_parser p;
	int ntraces = 0, opt, err = 0;

	lanes_init(&in.open, sizeof(struct open_call));
	if (!in.remaps || !traces)
		return cli_error("out of memory");
	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		switch (opt) {
		case CLI_ARG: traces[ntraces++] = (char *)value; break;
		case OPT_CLICKHOUSE: url = value; break;
		case OPT_HOST: in.host = value; break;
		case OPT_CALLS: in.with_calls = 1; break;
		case OPT_REMAP: in.remaps[in.nremaps++] = (char *)value; break;
		}
	}
	if (!url || !ntraces) {
		free(in.remaps);
		free(traces);
		return cli_usage_error(cmd, url ? "missing TRACE" : "missing --clickhouse URL");
	}
	if (!in.host) {
		if (gethostname(host, sizeof(host)) < 0)
			strcpy(host, "unknown");
		host[sizeof(host) - 1] = '\0';
		in.host = host;
	}
	in.ingested = (uint64_t)time(NULL);
	intern_init(&in.names);
	if (clickhouse_open(&in.ch, url) < 0) {
		cli_error("%s", in.ch.err);
		err = -EINVAL;
	}
	if (!err)
		err = make_tables(&in);
	if (!err && (err = batch_open(&in.batch)) < 0)
		cli_error("out of memory");
	for (int i = 0; i < ntraces && !err; i++)
		err = ingest_file(&in, traces[i]);
	if (!err)
		err = flush(&in);
	if (err && (in.ingested_count || in.skipped))
		fprintf(stderr, "ctrail ingest: stopped; %" PRIu64 " snapshots were ingested whole before the error\n",
			in.ingested_count);
	else if (!err)
		printf("%" PRIu64 " snapshots ingested, %" PRIu64 " already there\n",
		       in.ingested_count, in.skipped);
	batch_close(&in.batch);
	free(in.batch.done);
	clickhouse_close(&in.ch);
	intern_free(&in.names);
	free(in.funcs);
	lanes_free(&in.open);
	free(in.remaps);
	free(traces);
	return err ? EXIT_ERROR : EXIT_OK;
}

const struct cli_command cmd_ingest = {
	.name = "ingest",
	.synopsis = "--clickhouse URL [--host NAME] [--calls] [--remap OLD=NEW]... TRACE.ctr...",
	.summary = "snapshots, their functions (and calls) into ClickHouse tables",
	.description =
		"Writes every snapshot of the traces (or packs) into ClickHouse over its HTTP\n"
		"interface: a row per snapshot in ctrail_snapshots (host, program, build id,\n"
		"pid, time, reason, flow name, rank, duration), a row per function per\n"
		"snapshot in ctrail_functions (calls, total, self and max ns, as ctrail\n"
		"report counts them; with scheduling events also on-CPU, runnable and\n"
		"blocked ns as report --cpu splits them) and, with --calls, a row per\n"
		"call in ctrail_calls.\n"
		"Tables are made if missing (schema and example queries: docs/fleet.md).\n"
		"A snapshot already there (same content) is skipped.  Stops at the first\n"
		"error; a snapshot is complete once its ctrail_snapshots row is written,\n"
		"which comes last.",
	.options = options,
	.run = run,
};
