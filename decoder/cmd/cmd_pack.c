/* cmd_pack.c - `ctrail pack TRACE.ctr -o TRACE.ctrpack`: the trace and,
 * for each module it needs, the binary and debug file found by build id,
 * in one file every ctrail command reads on a machine without them (like
 * `perf archive`, but a single file).
 *
 * The pack is the trace's chunks copied as they are, then one PACKED chunk
 * per distinct build id (pack.h: the sections the decoder reads, one zlib
 * stream), then END: a valid .ctr file that old readers decode too (they
 * skip the PACKED chunks).  Modules are found as any command finds them
 * (symbols.c: remaps, --debug-dir, /usr/lib/debug, .gnu_debuglink,
 * debuginfod).  Only modules holding an address of the trace's events or
 * counts are packed (a program's libc usually holds none: its functions
 * are not traced).  `pack` collects the chunks' parts before anything is
 * written; the output is a temporary renamed into place when whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "ctr_write.h"
#include "out_file.h"
#include "pack.h"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "the pack (default: TRACE with .ctrpack for .ctr)" },
	{ "remap", 0, "OLD=NEW", "read binaries under NEW instead of OLD (repeatable)" },
	{ 0 },
};
enum { OPT_OUTPUT, OPT_REMAP };

struct packed_file {
	struct ctr_packed hdr;
	const uint8_t *build_id; /* in the trace's mapping */
	const char *path;
	uint8_t *data;
};

struct pack {
	struct packed_file *files;
	size_t n;
	uint64_t elf_bytes;
};

static int have(const struct pack *p, const struct reader_module *m)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->files[i].hdr.build_id_size == m->hdr->build_id_size &&
		    !memcmp(p->files[i].build_id, m->build_id, m->hdr->build_id_size))
			return 1;
	return 0;
}

static int holds(const struct reader_module *m, uint64_t addr)
{
	for (uint32_t i = 0; i < m->hdr->nsegments; i++)
		if (addr >= m->segs[i].start && addr < m->segs[i].end)
			return 1;
	return 0;
}

/* Whether an event or a count of the snapshot has an address in m. */
static int needed(const struct reader_snapshot *snap, const struct reader_module *m)
{
	for (size_t t = 0; t < snap->nthreads; t++)
		for (uint64_t i = 0; i < snap->threads[t].hdr->nevents; i++) {
			const struct ctr_event *e = &snap->threads[t].events[i];
			unsigned kind = CTR_EVENT_KIND(e->word);

			if (!(e->tsc & CTR_TSC_CONTINUATION) &&
			    holds(m, CTR_KIND_IS_CUSTOM(kind) ? CTR_CUSTOM_ADDR(e->word)
							      : CTR_EVENT_ADDR(e->word)))
				return 1;
		}
	for (uint64_t i = 0; snap->counts_hdr && i < snap->counts_hdr->nrecords; i++)
		if (holds(m, snap->counts[i].address))
			return 1;
	return 0;
}

/* Packs module i of the snapshot unless it has no build id, no address of
 * the snapshot is in it, no file was found or it is packed already. */
static int pack_module(struct pack *p, struct symbolizer *syms,
		       const struct reader_snapshot *snap, size_t i)
{
	const struct reader_module *m = &snap->modules[i];
	struct packed_file f = { .build_id = m->build_id, .path = m->path };
	Elf *main, *debug;
	struct packed_file *grown;
	int err;

	if (!m->hdr->build_id_size || have(p, m) || !needed(snap, m))
		return 0;
	if (symbolizer_module_elfs(syms, i, &main, &debug) < 0) {
		fprintf(stderr, "ctrail pack: %.*s: not found; its addresses will show raw\n",
			(int)m->hdr->path_size, m->path);
		return 0;
	}
	err = pack_make(main, debug, &f.data, &f.hdr.data_size, &f.hdr.elf_size);
	if (err)
		return cli_error("%.*s: cannot pack: %s", (int)m->hdr->path_size, m->path,
				 strerror(-err)), err;
	f.hdr.build_id_size = m->hdr->build_id_size;
	f.hdr.path_size = m->hdr->path_size;
	f.hdr.compression = CTR_PACKED_ZLIB;
	grown = realloc(p->files, (p->n + 1) * sizeof(*grown));
	if (!grown) {
		free(f.data);
		return cli_error("out of memory"), -ENOMEM;
	}
	p->files = grown;
	p->files[p->n++] = f;
	p->elf_bytes += f.hdr.elf_size;
	printf("  %.*s%s: %llu bytes of ELF, %llu packed\n", (int)m->hdr->path_size,
	       m->path, debug ? " (with its debug file)" : "",
	       (unsigned long long)f.hdr.elf_size, (unsigned long long)f.hdr.data_size);
	return 0;
}

static int collect(struct pack *p, const struct reader *r, char **remaps, int nremaps)
{
	for (size_t s = 0; s < r->nsnapshots; s++) {
		const struct reader_snapshot *snap = &r->snapshots[s];
		struct symbolizer *syms = cli_symbolizer(snap, remaps, nremaps);
		int err = syms ? 0 : -EINVAL;

		for (size_t i = 0; !err && i < snap->nmodules; i++)
			err = pack_module(p, syms, snap, i);
		symbolizer_free(syms);
		if (err)
			return err;
	}
	return 0;
}

/* The trace's chunks as they are, the packed files, END. */
static int write_pack(int fd, const struct reader *r, const struct pack *p)
{
	struct ctr_writer w;
	uint64_t at = ((const struct ctr_file_header *)r->data)->header_size;
	int err = ctr_writer_start(&w, fd);

	while (!err && at < r->end_offset) {
		const struct ctr_chunk_header *h = (const void *)(r->data + at);
		struct iovec part = { (void *)(h + 1), h->size };

		err = ctr_write_chunk(&w, h->tag, &part, 1);
		at += sizeof(*h) + ((h->size + 7) & ~UINT64_C(7));
	}
	for (size_t i = 0; !err && i < p->n; i++) {
		const struct packed_file *f = &p->files[i];
		struct iovec parts[] = {
			{ (void *)&f->hdr, sizeof(f->hdr) },
			{ (void *)f->build_id, f->hdr.build_id_size },
			{ (void *)f->path, f->hdr.path_size },
			{ f->data, f->hdr.data_size },
		};

		err = ctr_write_chunk(&w, CTR_CHUNK_PACKED, parts, 4);
	}
	return err ? err : ctr_writer_end(&w);
}

/* Through out_file.h: OUT.tmp.PID renamed into place, or a device or
 * FIFO written in place. */
static int write_file(const char *out, const struct reader *r, const struct pack *p)
{
	struct out_file o;
	int err = out_file_open(&o, out, 0666);

	if (!err)
		err = write_pack(o.fd, r, p);
	if (!err)
		err = out_file_commit(&o);
	else
		out_file_discard(&o);
	if (err)
		cli_error("%s: %s", out, strerror(-err));
	return err;
}

static char *default_output(const char *trace)
{
	size_t n = strlen(trace);
	char *out = malloc(n + 16);

	if (!out)
		return NULL;
	if (n > 4 && !strcmp(trace + n - 4, ".ctr"))
		n -= 4;
	memcpy(out, trace, n);
	strcpy(out + n, ".ctrpack");
	return out;
}

static void print_sizes(const char *out, const struct reader *r, const struct pack *p)
{
	/* chunk and PACKED headers */
	uint64_t size = r->size + (16 + sizeof(struct ctr_packed)) * p->n;

	for (size_t i = 0; i < p->n; i++)
		size += (p->files[i].hdr.build_id_size + p->files[i].hdr.path_size +
			 p->files[i].hdr.data_size + 7) & ~UINT64_C(7);
	printf("wrote %s: %llu bytes, %.1fx the trace's %llu (%zu module file%s, %llu bytes of ELF)\n",
	       out, (unsigned long long)size, (double)size / r->size,
	       (unsigned long long)r->size, p->n, p->n == 1 ? "" : "s",
	       (unsigned long long)p->elf_bytes);
}

static int pack_trace(const char *trace, const char *out, char **remaps, int nremaps)
{
	struct reader r;
	struct pack p = { 0 };
	int rc = EXIT_OK;

	if (cli_open_trace(&r, trace) < 0)
		return EXIT_ERROR;
	if (r.npacked) {
		reader_close(&r);
		return cli_error("%s: is a pack already", trace);
	}
	printf("packing %s:\n", trace);
	if (collect(&p, &r, remaps, nremaps) < 0 || write_file(out, &r, &p) < 0)
		rc = EXIT_ERROR;
	else
		print_sizes(out, &r, &p);
	for (size_t i = 0; i < p.n; i++)
		free(p.files[i].data);
	free(p.files);
	reader_close(&r);
	return rc;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_parser p;
	const char *value, *trace = NULL, *out = NULL;
	char **remaps = calloc(argc, sizeof(char *));
	char *default_out = NULL;
	int nremaps = 0, opt, rc;

	if (!remaps)
		return cli_error("out of memory");
	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == CLI_ARG && trace) {
			free(remaps);
			return cli_usage_error(cmd, "one TRACE only");
		}
		if (opt == CLI_ARG)
			trace = value;
		else if (opt == OPT_OUTPUT)
			out = value;
		else
			remaps[nremaps++] = (char *)value;
	}
	if (!trace) {
		free(remaps);
		return cli_usage_error(cmd, "missing TRACE");
	}
	if (!out && !(out = default_out = default_output(trace)))
		rc = cli_error("out of memory");
	else
		rc = pack_trace(trace, out, remaps, nremaps);
	free(default_out);
	free(remaps);
	return rc;
}

const struct cli_command cmd_pack = {
	.name = "pack",
	.synopsis = "[--remap OLD=NEW]... TRACE.ctr [-o OUT.ctrpack]",
	.summary = "the trace with the symbols of every module it needs, in one file",
	.description =
		"Writes one file holding the trace and, for each module holding an\n"
		"address of its events, the parts of its binary and debug file the decoder reads (symbol\n"
		"tables, DWARF, read-only data), found by build id as every command\n"
		"finds them (see docs/ctrail.md, \"Where symbols come from\") and\n"
		"compressed.  Every ctrail command reads the pack in place of the trace,\n"
		"on a machine without those binaries.  Modules not found are named and\n"
		"left out.  Prints each module's size and the pack's against the trace's.",
	.options = options,
	.run = run,
};
