/* ctr_write.h - writes .ctr files chunk by chunk (see ctr.h).  Used by the
 * runtime's snapshot writer and by the tools that make .ctr files (core
 * extractor, benchmarks, tests), so every writer pads and ends files alike.
 * Plain system calls only: it runs inside traced programs. */
#ifndef CTR_WRITE_H
#define CTR_WRITE_H

#include <stdint.h>
#include <sys/uio.h>
#include "ctr.h"

struct ctr_writer {
	int fd;
	uint64_t chunks;
};

/* Each returns 0 or a negative errno (-ENOSPC on a full disk, ...). */
int ctr_writer_start(struct ctr_writer *w, int fd);
/* Writes one chunk whose payload is the concatenation of parts. */
int ctr_write_chunk(struct ctr_writer *w, uint32_t tag,
		    const struct iovec *parts, int nparts);
int ctr_writer_end(struct ctr_writer *w);

/* The chunks whose payload is a header and the variable parts it sizes:
 * PROCESS (p->exe_size bytes of exe, p->cmdline_size of cmdline), MODULE
 * (m->nsegments segments, m->build_id_size bytes of build id, m->path_size
 * of path), THREAD (t->nevents events) and STACK (s->size bytes). */
int ctr_write_process(struct ctr_writer *w, const struct ctr_process *p,
		      const char *exe, const char *cmdline);
int ctr_write_module(struct ctr_writer *w, const struct ctr_module *m,
		     const struct ctr_segment *segs, const uint8_t *build_id,
		     const char *path);
int ctr_write_thread(struct ctr_writer *w, const struct ctr_thread *t,
		     const struct ctr_event *events);
int ctr_write_stack(struct ctr_writer *w, const struct ctr_stack *s,
		    const void *bytes);

#endif
