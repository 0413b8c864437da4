/* reader.h - validates a .ctr file (format/ctr.h) and describes it as an
 * in-memory model that points into the file's bytes.
 *
 * The file is mapped (or, for the fuzzer, handed over as a buffer) and read
 * once from front to back: every chunk is checked before anything looks at
 * it, so code using the model never sees a count that runs past its chunk.
 * The model copies nothing: event arrays, names and paths stay in the
 * mapping, and the arrays here only hold pointers to them, so opening a file
 * of millions of events costs one pass over its chunk headers.
 *
 * The decoder assumes a little-endian host, like the format. */
#ifndef READER_H
#define READER_H

#include <stddef.h>
#include <stdint.h>
#include "ctr.h"

struct reader_module {
	const struct ctr_module *hdr;
	const struct ctr_segment *segs; /* hdr->nsegments of them */
	const uint8_t *build_id;        /* hdr->build_id_size bytes */
	const char *path;               /* hdr->path_size bytes, no NUL */
};

/* A STACK chunk: registers and hdr->size bytes of stack from hdr->start. */
struct reader_stack {
	const struct ctr_stack *hdr;
	const uint8_t *bytes;
};

/* A module file in a pack (PACKED chunk), for the symbolizer. */
struct reader_packed {
	const struct ctr_packed *hdr;
	const uint8_t *build_id; /* hdr->build_id_size bytes */
	const char *path;        /* hdr->path_size bytes, no NUL */
	const uint8_t *data;     /* hdr->data_size bytes, compressed */
};

struct reader_thread {
	const struct ctr_thread *hdr;
	const struct ctr_event *events; /* hdr->nevents, oldest first */
	/* With a PROBES chunk, hdr and events are a copy holding the thread's
	 * probe events merged in by time (a thread only probes saw has a
	 * made-up header: no name, flags 0); merged is that copy, to free. */
	void *merged;
	char name[sizeof(((struct ctr_thread *)0)->name) + 1]; /* NUL ended */
	/* The STACK chunk of this live thread in its snapshot, or NULL. */
	const struct reader_stack *stack;
};

struct reader_snapshot {
	uint64_t offset; /* of its SNAPSHOT chunk header */
	const struct ctr_snapshot *hdr;
	const char *name; /* hdr->name_size bytes, no NUL */
	const struct ctr_process *process;
	const char *exe;     /* process->exe_size bytes */
	const char *cmdline; /* process->cmdline_size bytes, NUL separated */
	const struct ctr_clock *clock;
	const struct ctr_sysinfo *sysinfo; /* NULL: no SYSINFO chunk */
	struct reader_module *modules;
	size_t nmodules;
	/* The COUNTS chunk, if any (libctrail-count): counts_hdr->nrecords
	 * records sorted by address. */
	const struct ctr_counts *counts_hdr; /* NULL: no counts */
	const struct ctr_count *counts;
	struct reader_thread *threads;
	size_t nthreads;
	struct reader_stack *stacks; /* each one's thread points at it */
	size_t nstacks;
	/* The SCHED chunk, if any: nsched events sorted by tsc.  Events of a
	 * type this decoder does not know (reader_sched_type_name NULL) are
	 * there too; users skip them. */
	const struct ctr_sched *sched_hdr; /* NULL: no scheduling events */
	const struct ctr_sched_event *sched;
	size_t nsched;
	/* The PROBES chunk, if any: its events are also merged into the
	 * threads' streams (reader_thread.merged). */
	const struct ctr_probes *probes_hdr; /* NULL: no probe events */
	const struct ctr_probe_event *probes;
	/* The pack's module files (the whole file's, shared by its snapshots). */
	const struct reader_packed *packed;
	size_t npacked;
};

struct reader {
	const uint8_t *data;
	size_t size;
	int mapped; /* data is our mapping, unmapped by reader_close */
	struct reader_snapshot *snapshots;
	size_t nsnapshots;
	uint64_t chunks; /* before the END chunk, unknown tags included */
	struct reader_packed *packed; /* PACKED chunks: a pack (ctrail pack) */
	size_t npacked;
	uint64_t end_offset; /* of the END chunk's header */
	/* Set when loading fails: where and what. */
	uint64_t err_offset;
	char err[160];
};

/* Maps and validates the file at path.  Returns 0, or a negative errno with
 * r->err and r->err_offset describing the problem (-EINVAL for a damaged
 * file, the open/mmap error otherwise).  r is reset either way. */
int reader_open(struct reader *r, const char *path);

/* The same for bytes already in memory; they must outlive the reader and
 * be 8-byte aligned. */
int reader_load(struct reader *r, const void *data, size_t size);

void reader_close(struct reader *r);

/* Names for enum values as `ctrail dump` prints them; NULL if unknown. */
const char *reader_reason_name(uint32_t reason);
const char *reader_clock_source_name(uint32_t source);
const char *reader_kind_name(unsigned kind);
/* "fentry", ... for enum ctr_mode (module flags); NULL if unknown. */
const char *reader_mode_name(unsigned mode);
/* "sched_switch", "sched_waking", ... as ftrace names them; NULL if unknown. */
const char *reader_sched_type_name(unsigned type);

#endif
