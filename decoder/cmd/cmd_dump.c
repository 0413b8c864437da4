/* cmd_dump.c - `ctrail dump FILE`: the raw content of a .ctr file as text,
 * one line per record, in a fixed form that tests (the runtime's included)
 * compare against; docs/ctrail.md lists the lines.  Nothing is repaired or
 * nested here: events are printed as stored, with their symbol names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "sched_text.h"

static const struct cli_option options[] = {
	{ "remap", 0, "OLD=NEW", "read binaries under NEW instead of OLD (repeatable)" },
	{ 0 },
};

struct flag_name {
	uint32_t bit;
	const char *name;
};

/* Names of the set bits in table order, comma-joined; "bitN" for bits the
 * table lacks; "-" when none is set. */
static void print_flags(FILE *out, uint32_t flags, const struct flag_name *names,
			int nnames)
{
	const char *sep = "";

	for (int i = 0; i < nnames; i++)
		if (flags & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = ",";
			flags &= ~names[i].bit;
		}
	for (int i = 0; i < 32; i++)
		if (flags & (1u << i)) {
			fprintf(out, "%sbit%d", sep, i);
			sep = ",";
		}
	if (!*sep)
		fputc('-', out);
}

static void print_snapshot(FILE *out, size_t index,
			   const struct reader_snapshot *snap)
{
	const struct ctr_snapshot *h = snap->hdr;
	const char *reason = reader_reason_name(h->reason);
	const struct ctr_process *p = snap->process;
	const char *source = reader_clock_source_name(snap->clock->source);

	fprintf(out, "snapshot %zu reason=", index);
	if (reason)
		fputs(reason, out);
	else
		fprintf(out, "reason%u", h->reason);
	fprintf(out, " since_tsc=%llu taken_tsc=%llu name=",
		(unsigned long long)h->since_tsc,
		(unsigned long long)h->taken_tsc);
	cli_print_quoted(out, snap->name, h->name_size);
	fprintf(out, " dropped_threads=%u dropped_events=%llu rank=%u duration_tsc=%llu\n",
		h->dropped_threads, (unsigned long long)h->dropped_events,
		h->rank, (unsigned long long)h->duration_tsc);
	fprintf(out, "process pid=%u ppid=%u exe=%.*s cmdline=", p->pid,
		p->ppid, (int)p->exe_size, snap->exe);
	cli_print_quoted(out, snap->cmdline, p->cmdline_size);
	fprintf(out, "\nclock hz=%llu source=",
		(unsigned long long)snap->clock->tsc_hz);
	if (source)
		fprintf(out, "%s\n", source);
	else
		fprintf(out, "source%u\n", snap->clock->source);
	if (snap->sysinfo) {
		const struct ctr_sysinfo *u = snap->sysinfo;

		fprintf(out, "sysinfo sysname=%s release=%s machine=%s nodename=%s version=",
			u->sysname, u->release, u->machine, u->nodename);
		cli_print_quoted(out, u->version, strlen(u->version));
		fputc('\n', out);
	}
}

static void print_module(FILE *out, const struct reader_module *m)
{
	static const struct flag_name flags[] = {
		{ CTR_MODULE_MAIN, "main" },
		{ CTR_MODULE_DLOPEN, "dlopen" },
		{ CTR_MODULE_UNLOADED, "unloaded" },
	};
	unsigned mode = CTR_MODULE_MODE(m->hdr->flags);
	const char *mode_name = reader_mode_name(mode);

	fprintf(out, "module %.*s bias=0x%llx build_id=", (int)m->hdr->path_size,
		m->path, (unsigned long long)m->hdr->bias);
	for (uint32_t i = 0; i < m->hdr->build_id_size; i++)
		fprintf(out, "%02x", m->build_id[i]);
	if (m->hdr->build_id_size == 0)
		fputc('-', out);
	fprintf(out, " segments=%u", m->hdr->nsegments);
	if (mode_name && mode)
		fprintf(out, " mode=%s", mode_name);
	else if (mode)
		fprintf(out, " mode=mode%u", mode);
	fprintf(out, " flags=");
	print_flags(out, m->hdr->flags & ~CTR_MODULE_MODE_MASK, flags, 3);
	fputc('\n', out);
}

/* "TSC KIND 0xADDR NAME": the function for calls and returns, the quoted
 * string for custom events and fiber switches, the function a context was
 * made with for ucontext switches ("-": none), the number for signals, and
 * "TSC data 0xWORD" for their payload. */
static void print_event(FILE *out, const struct ctr_event *e, struct symbolizer *syms)
{
	unsigned kind = CTR_EVENT_KIND(e->word);
	const char *kname = reader_kind_name(kind), *str;
	uint64_t addr = CTR_EVENT_ADDR(e->word);

	if (e->tsc & CTR_TSC_CONTINUATION) {
		fprintf(out, "  %llu data 0x%llx\n",
			(unsigned long long)CTR_SLOT_TSC(e->tsc),
			(unsigned long long)e->word);
		return;
	}
	fprintf(out, "  %llu ", (unsigned long long)e->tsc);
	if (kname)
		fputs(kname, out);
	else
		fprintf(out, "kind%u", kind);
	if (kind == CTR_KIND_SIGNAL_ENTER || kind == CTR_KIND_SIGNAL_LEAVE) {
		fprintf(out, " %llu\n", (unsigned long long)addr);
		return;
	}
	if (kind == CTR_KIND_SWITCH && CTR_CUSTOM_SLOTS(e->word) >= 2) {
		addr = CTR_CUSTOM_ADDR(e->word);
		const struct symbol *sym = symbolizer_lookup(syms, addr);
		fprintf(out, " 0x%llx %s\n", (unsigned long long)addr,
			!addr || sym->flags & SYMBOL_UNKNOWN ? "-" : sym->name);
		return;
	}
	if (CTR_KIND_HAS_SLOTS(kind)) {
		addr = CTR_CUSTOM_ADDR(e->word);
		fprintf(out, " 0x%llx ", (unsigned long long)addr);
		if ((str = symbolizer_string(syms, addr)))
			cli_print_quoted(out, str, strlen(str));
		else
			fputs("?", out);
		fputc('\n', out);
		return;
	}
	const struct symbol *sym = symbolizer_lookup(syms, addr);
	fprintf(out, " 0x%llx %s\n", (unsigned long long)addr,
		sym->flags & SYMBOL_UNKNOWN ? "?" : sym->name);
}

/* "stack tid=N flags=F written=N start=0x... bytes=N pc=0x... sp=0x... FUNCTION" */
static void print_stack(FILE *out, const struct reader_stack *st,
			struct symbolizer *syms)
{
	static const struct flag_name flags[] = {
		{ CTR_STACK_SELF, "self" },
		{ CTR_STACK_MISSING, "missing" },
		{ CTR_STACK_CUT, "cut" },
	};
	const struct ctr_stack *h = st->hdr;
	const struct symbol *sym = symbolizer_lookup(syms, h->regs[16]);

	fprintf(out, "stack tid=%u flags=", h->tid);
	print_flags(out, h->flags, flags, 3);
	fprintf(out, " written=%llu start=0x%llx bytes=%llu pc=0x%llx sp=0x%llx %s\n",
		(unsigned long long)h->written, (unsigned long long)h->start,
		(unsigned long long)h->size, (unsigned long long)h->regs[16],
		(unsigned long long)h->regs[7],
		sym->flags & SYMBOL_UNKNOWN ? "?" : sym->name);
}

static void print_thread(FILE *out, const struct reader_thread *t,
			 struct symbolizer *syms)
{
	static const struct flag_name flags[] = {
		{ CTR_THREAD_MAIN, "main" },
		{ CTR_THREAD_EXITED, "exited" },
		{ CTR_THREAD_CRASHED, "crashed" },
	};

	fprintf(out, "thread tid=%u name=%s flags=", t->hdr->tid,
		t->name[0] ? t->name : "-");
	print_flags(out, t->hdr->flags, flags, 3);
	fprintf(out, " capacity=%llu written=%llu overwritten=%llu events=%llu\n",
		(unsigned long long)t->hdr->capacity,
		(unsigned long long)t->hdr->written,
		(unsigned long long)t->hdr->overwritten,
		(unsigned long long)t->hdr->nevents);
	for (uint64_t i = 0; i < t->hdr->nevents; i++)
		print_event(out, &t->events[i], syms);
	if (t->stack)
		print_stack(out, t->stack, syms);
}

/* "sched events=N lost=L cpus=C", then per event "  TSC cpu=N NAME
 * common_pid=P ARGS" with ARGS as ftrace prints them (sched_text.h). */
static void print_sched(FILE *out, const struct reader_snapshot *snap)
{
	char args[SCHED_TEXT_MAX];

	fprintf(out, "sched events=%zu lost=%llu cpus=%u\n", snap->nsched,
		(unsigned long long)snap->sched_hdr->lost, snap->sched_hdr->ncpus);
	for (size_t i = 0; i < snap->nsched; i++) {
		const struct ctr_sched_event *e = &snap->sched[i];
		const char *name = reader_sched_type_name(e->type);

		fprintf(out, "  %llu cpu=%u ", (unsigned long long)e->tsc, e->cpu);
		if (name)
			fputs(name, out);
		else
			fprintf(out, "type%u", e->type);
		sched_text_args(e, args);
		fprintf(out, " common_pid=%d%s%s\n", e->common_pid, *args ? " " : "", args);
	}
}

/* "probes events=N lost=L probes=P": the PROBES chunk's header (its
 * events are listed with their threads, merged by the reader). */
static void print_probes(FILE *out, const struct reader_snapshot *snap)
{
	const struct ctr_probes *h = snap->probes_hdr;

	fprintf(out, "probes events=%llu lost=%llu probes=%u\n",
		(unsigned long long)h->nevents, (unsigned long long)h->lost, h->nprobes);
}

/* "counts records=N missed=M slot_bytes=B tables=T", then per record
 * "  0xADDR CALLS NAME". */
static void print_counts(FILE *out, const struct reader_snapshot *snap,
			 struct symbolizer *syms)
{
	const struct ctr_counts *h = snap->counts_hdr;

	fprintf(out, "counts records=%llu missed=%llu slot_bytes=%u tables=%u\n",
		(unsigned long long)h->nrecords, (unsigned long long)h->missed,
		h->slot_bytes, h->tables);
	for (uint64_t i = 0; i < h->nrecords; i++) {
		const struct ctr_count *c = &snap->counts[i];
		const struct symbol *sym = symbolizer_lookup(syms, c->address);

		fprintf(out, "  0x%llx %llu %s\n", (unsigned long long)c->address,
			(unsigned long long)c->calls,
			sym->flags & SYMBOL_UNKNOWN ? "?" : sym->name);
	}
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_trace trace;
	const struct reader *r = &trace.reader;
	int rc = cli_trace_open(&trace, cmd, argc, argv, "FILE");

	if (rc)
		return rc;
	for (size_t i = 0; i < r->nsnapshots && rc == EXIT_OK; i++) {
		const struct reader_snapshot *snap = &r->snapshots[i];
		struct symbolizer *syms = cli_symbolizer(snap, trace.remaps, trace.nremaps);

		if (!syms) {
			rc = EXIT_ERROR;
			break;
		}
		print_snapshot(stdout, i, snap);
		for (size_t m = 0; m < snap->nmodules; m++)
			print_module(stdout, &snap->modules[m]);
		for (size_t t = 0; t < snap->nthreads; t++)
			print_thread(stdout, &snap->threads[t], syms);
		if (snap->sched_hdr)
			print_sched(stdout, snap);
		if (snap->probes_hdr)
			print_probes(stdout, snap);
		if (snap->counts_hdr)
			print_counts(stdout, snap, syms);
		symbolizer_free(syms);
	}
	if (rc == EXIT_OK)
		printf("end chunks=%llu\n", (unsigned long long)r->chunks);
	if (fflush(stdout) || ferror(stdout))
		rc = cli_error("%s: writing the dump failed", trace.path);
	cli_trace_close(&trace);
	return rc;
}

const struct cli_command cmd_dump = {
	.name = "dump",
	.synopsis = "[--remap OLD=NEW]... FILE",
	.summary = "print the raw content of a .ctr file as text",
	.description =
		"Prints every snapshot, process, clock, module, thread, event, scheduling\n"
		"event and call count of FILE as stored, one line each (format in docs/ctrail.md), with the symbol\n"
		"name of each event's address (? when unknown).",
	.options = options,
	.run = run,
};
