/* cmd_info.c - `ctrail info TRACE.ctr`: what a trace holds, for a person.
 * For each snapshot: why and when it was taken, the process, the clock,
 * the modules with the symbolizer's notes on missing files or debug info,
 * and per thread its events, what the ring lost, its time span and the
 * repairs the timeline had to make (the timeline runs with no emitter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "window.h"
#include "timeline.h"

static const struct cli_option options[] = {
	{ "remap", 0, "OLD=NEW", "read binaries under NEW instead of OLD (repeatable)" },
	{ 0 },
};

/* "1.234 ms": three significant decimals in the largest fitting unit. */
static void print_duration(uint64_t ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 },
	};

	for (int i = 0; i < 3; i++)
		if (ns >= units[i].ns) {
			printf("%llu.%03llu %s", (unsigned long long)(ns / units[i].ns),
			       (unsigned long long)(ns % units[i].ns * 1000 / units[i].ns),
			       units[i].unit);
			return;
		}
	printf("%llu ns", (unsigned long long)ns);
}

static void print_header(size_t index, const struct reader_snapshot *snap,
			 const struct time_base *tb)
{
	const struct ctr_snapshot *h = snap->hdr;
	const char *reason = reader_reason_name(h->reason);
	const char *source = reader_clock_source_name(snap->clock->source);

	printf("snapshot %zu: ", index);
	cli_print_quoted(stdout, snap->name, h->name_size);
	printf(", taken by %s", reason ? reason : "an unknown reason");
	printf(", covering ");
	print_duration(ns_from_ticks(tb->hz, h->taken_tsc > tb->first_tsc ?
				     h->taken_tsc - tb->first_tsc : 0));
	printf(" before it was taken%s\n",
	       h->since_tsc ? " (the program asked for events since a time)" : "");
	if (h->reason == CTR_REASON_FLOW) {
		printf("  flow      occurrence ranked %u by duration, took ", h->rank);
		print_duration(ns_from_ticks(tb->hz, h->duration_tsc));
		printf("\n");
	}
	printf("  process   pid %u, parent %u, %.*s\n", snap->process->pid,
	       snap->process->ppid, (int)snap->process->exe_size, snap->exe);
	printf("  command   ");
	cli_print_quoted(stdout, snap->cmdline, snap->process->cmdline_size);
	printf("\n  clock     %llu Hz (%s)\n", (unsigned long long)tb->hz,
	       source ? source : "unknown source");
	if (h->dropped_threads)
		printf("  dropped   %u exited threads with %llu events (too many exited threads waiting)\n",
		       h->dropped_threads, (unsigned long long)h->dropped_events);
}

static void print_modules(const struct reader_snapshot *snap,
			  struct symbolizer *syms)
{
	const char *notes = symbolizer_notes(syms);

	printf("  modules   %zu\n", snap->nmodules);
	for (size_t i = 0; i < snap->nmodules; i++) {
		const struct reader_module *m = &snap->modules[i];

		printf("    %.*s  bias 0x%llx  build id ", (int)m->hdr->path_size,
		       m->path, (unsigned long long)m->hdr->bias);
		for (uint32_t b = 0; b < m->hdr->build_id_size; b++)
			printf("%02x", m->build_id[b]);
		printf("%s%s%s%s\n", m->hdr->build_id_size ? "" : "none",
		       m->hdr->flags & CTR_MODULE_MAIN ? "  (main)" : "",
		       m->hdr->flags & CTR_MODULE_DLOPEN ? "  (dlopen)" : "",
		       m->hdr->flags & CTR_MODULE_UNLOADED ? "  (unloaded)" : "");
	}
	if (notes)
		printf("  symbol notes:\n%s%s", notes,
		       notes[0] && notes[strlen(notes) - 1] == '\n' ? "" : "\n");
	else
		printf("  symbols   every module's file and debug info found\n");
}

static void print_repairs(const uint64_t *repairs, uint64_t dropped)
{
	const char *sep = "";

	for (int k = REPAIR_ORPHAN_RETURN; k < REPAIR_KINDS; k++)
		if (repairs[k]) {
			printf("%s%llu %s", sep, (unsigned long long)repairs[k],
			       timeline_repair_name(k));
			sep = ", ";
		}
	if (dropped)
		printf("%s%llu unmatched returns dropped", sep,
		       (unsigned long long)dropped);
	if (!*sep && !dropped)
		printf("none");
	printf("\n");
}

/* "custom events: 3 log, 1 counter" when the thread has any. */
static void print_custom(const struct timeline_stats *st)
{
	const char *sep = "      custom events: ";

	for (unsigned k = CTR_KIND_LOG; k <= CTR_KIND_FLOW_END; k++)
		if (st->custom[k]) {
			printf("%s%llu %s", sep, (unsigned long long)st->custom[k],
			       reader_kind_name(k));
			sep = ", ";
		}
	if (*sep == ',')
		printf("\n");
}

/* "stack: 6144 bytes, 52 frames unwound, 47 open before the ring". */
static void print_stack(const struct reader_thread *t, const struct timeline_stats *st)
{
	if (!t->stack)
		return;
	if (t->stack->hdr->flags & CTR_STACK_MISSING) {
		printf("      stack: none (the thread did not answer in time)\n");
		return;
	}
	printf("      stack: %llu bytes%s, %u frames unwound, %llu open before the ring\n",
	       (unsigned long long)t->stack->hdr->size,
	       t->stack->hdr->flags & CTR_STACK_CUT ? " (cut)" : "", st->unwound,
	       (unsigned long long)st->repairs[REPAIR_OPEN_BEFORE_RING]);
}

static void print_thread(const struct reader_thread *t,
			 const struct timeline_stats *st, uint64_t hz)
{
	const struct ctr_thread *h = t->hdr;

	printf("    tid %u %s%s%s%s: %llu events, %llu written, %llu lost to ring wrap",
	       h->tid, t->name[0] ? t->name : "(no name)",
	       h->flags & CTR_THREAD_MAIN ? " (main)" : "",
	       h->flags & CTR_THREAD_EXITED ? " (exited)" : "",
	       h->flags & CTR_THREAD_CRASHED ? " (crashed)" : "",
	       (unsigned long long)h->nevents, (unsigned long long)h->written,
	       (unsigned long long)h->overwritten);
	if (h->nevents) {
		printf(", span ");
		print_duration(ns_from_ticks(hz, st->last_tsc - st->first_tsc));
		printf(", %llu calls, depth %u", (unsigned long long)st->slices,
		       st->max_depth);
	}
	printf("\n      repairs: ");
	print_repairs(st->repairs, st->dropped_returns);
	print_stack(t, st);
	if (st->backwards || st->unknown_kinds)
		printf("      %llu events stamped before their predecessor, %llu of unknown kinds ignored\n",
		       (unsigned long long)st->backwards,
		       (unsigned long long)st->unknown_kinds);
	if (st->signals || st->contexts)
		printf("      %llu signal handler runs (%llu events stamped after them), %u contexts, %llu switches\n",
		       (unsigned long long)st->signals, (unsigned long long)st->stamped_late,
		       st->contexts, (unsigned long long)st->switches);
	print_custom(st);
}

/* Scheduling events per type, and the CPUs they were seen on. */
static void print_sched(const struct reader_snapshot *snap)
{
	uint64_t per_type[CTR_SCHED_TYPES + 1] = { 0 };
	uint64_t cpus[1024 / 64] = { 0 };
	const char *sep = "";

	if (!snap->sched_hdr)
		return;
	for (size_t i = 0; i < snap->nsched; i++) {
		const struct ctr_sched_event *e = &snap->sched[i];
		per_type[e->type < CTR_SCHED_TYPES ? e->type : CTR_SCHED_TYPES]++;
		if (e->cpu < 1024)
			cpus[e->cpu / 64] |= UINT64_C(1) << (e->cpu % 64);
	}
	printf("  sched     %zu events, %llu lost, %u CPUs read\n", snap->nsched,
	       (unsigned long long)snap->sched_hdr->lost, snap->sched_hdr->ncpus);
	for (unsigned t = 1; t <= CTR_SCHED_TYPES; t++)
		if (per_type[t])
			printf("    %-18s %llu\n", t < CTR_SCHED_TYPES ?
			       reader_sched_type_name(t) : "unknown types",
			       (unsigned long long)per_type[t]);
	printf("    CPUs seen          ");
	for (unsigned c = 0; c < 1024; c++)
		if (cpus[c / 64] & (UINT64_C(1) << (c % 64))) {
			printf("%s%u", sep, c);
			sep = " ";
		}
	printf("%s\n", *sep ? "" : "none");
}

/* What the default window (window.h) leaves out, from the walk's stats. */
static void print_window(const struct window *w, const struct reader_snapshot *snap,
			 const struct timeline_stats *stats, const struct time_base *tb)
{
	uint64_t clipped = 0, before = 0;

	if (!w->latest)
		return;
	for (size_t i = 0; i < snap->nthreads; i++) {
		clipped += stats[i].repairs[REPAIR_CLIPPED];
		before += stats[i].before_window;
	}
	printf("  window    from ");
	print_duration(ns_from_ticks(tb->hz, w->from_tsc - tb->first_tsc));
	printf(" after the first event, where the ring of tid %u %s begins (the latest "
	       "busy ring): %llu calls open then clipped to it, %llu calls that ended "
	       "before it left out by convert, report, flame and replay (--all keeps "
	       "everything)\n", w->latest->hdr->tid, w->latest->name,
	       (unsigned long long)clipped, (unsigned long long)before);
}

static int info_snapshot(size_t index, const struct reader_snapshot *snap,
			 char **remaps, int nremaps)
{
	static const struct emitter_ops no_output;
	struct symbolizer *syms = cli_symbolizer(snap, remaps, nremaps);
	struct timeline_stats *stats = calloc(snap->nthreads + 1, sizeof(*stats));
	uint64_t total[REPAIR_KINDS] = { 0 }, dropped = 0;
	struct time_base tb, windowed;
	struct timeline tl;
	struct window w;
	int err;

	if (!syms || !stats) {
		symbolizer_free(syms);
		free(stats);
		return -1;
	}
	time_base_init(&tb, snap, 0);
	timeline_init(&tl, syms, &no_output, NULL);
	windowed = tb;
	window_default(&w, snap, NULL, NULL);
	window_apply(&w, &tl, &windowed);
	err = timeline_snapshot(&tl, snap, &windowed, NULL, NULL, stats);
	timeline_free(&tl);
	if (err) {
		cli_error("out of memory");
	} else {
		print_header(index, snap, &tb);
		print_modules(snap, syms);
		printf("  threads   %zu\n", snap->nthreads);
		for (size_t i = 0; i < snap->nthreads; i++) {
			print_thread(&snap->threads[i], &stats[i], tb.hz);
			for (int k = 0; k < REPAIR_KINDS; k++)
				total[k] += stats[i].repairs[k];
			dropped += stats[i].dropped_returns;
		}
		printf("  repairs   ");
		print_repairs(total, dropped);
		print_window(&w, snap, stats, &tb);
		print_sched(snap);
		if (snap->probes_hdr)
			printf("  probes    %llu events of %u functions, %llu lost\n",
			       (unsigned long long)snap->probes_hdr->nevents,
			       snap->probes_hdr->nprobes,
			       (unsigned long long)snap->probes_hdr->lost);
	}
	free(stats);
	symbolizer_free(syms);
	return err;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_trace trace;
	const struct reader *r = &trace.reader;
	int rc = cli_trace_open(&trace, cmd, argc, argv, "TRACE");

	if (rc)
		return rc;
	printf("%s: %zu snapshot%s, %llu bytes\n", trace.path, r->nsnapshots,
	       r->nsnapshots == 1 ? "" : "s", (unsigned long long)r->size);
	for (size_t i = 0; i < r->nsnapshots && rc == EXIT_OK; i++)
		if (info_snapshot(i, &r->snapshots[i], trace.remaps, trace.nremaps) < 0)
			rc = EXIT_ERROR;
	cli_trace_close(&trace);
	return rc;
}

const struct cli_command cmd_info = {
	.name = "info",
	.synopsis = "[--remap OLD=NEW]... TRACE.ctr",
	.summary = "show what a .ctr snapshot holds and what the decoder repaired",
	.description =
		"Prints, for each snapshot: why it was taken and the time it covers, the\n"
		"process and its command line, the clock, the loaded modules (with notes\n"
		"on binaries or debug info that could not be found), and per thread its\n"
		"events, the events lost when its ring wrapped, its time span, and the\n"
		"calls whose begin or end the decoder had to synthesize, and what the\n"
		"default window of the other commands leaves out (calls open at its\n"
		"start count as \"begun before the window\").",
	.options = options,
	.run = run,
};
