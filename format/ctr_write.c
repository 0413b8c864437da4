/* ctr_write.c - see ctr_write.h.  A chunk is written with one writev of
 * header, payload parts and padding; short writes are resumed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "ctr_write.h"

#define MAX_PARTS 14

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t done = writev(fd, iov, n);
		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (done == 0)
			return -EIO;
		while (n > 0 && (size_t)done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

int ctr_writer_start(struct ctr_writer *w, int fd)
{
	struct ctr_file_header h = { .version = CTR_VERSION,
				     .header_size = sizeof(h) };
	struct iovec iov = { &h, sizeof(h) };

	memcpy(h.magic, CTR_MAGIC, CTR_MAGIC_SIZE);
	w->fd = fd;
	w->chunks = 0;
	return write_all(fd, &iov, 1);
}

int ctr_write_chunk(struct ctr_writer *w, uint32_t tag,
		    const struct iovec *parts, int nparts)
{
	static const char zeros[8];
	struct ctr_chunk_header h = { .tag = tag };
	struct iovec iov[MAX_PARTS + 2];
	int n = 0;

	if (nparts > MAX_PARTS)
		return -EINVAL;
	iov[n++] = (struct iovec){ &h, sizeof(h) };
	for (int i = 0; i < nparts; i++) {
		h.size += parts[i].iov_len;
		iov[n++] = parts[i];
	}
	if (h.size % 8)
		iov[n++] = (struct iovec){ (void *)zeros, 8 - h.size % 8 };
	w->chunks++;
	return write_all(w->fd, iov, n);
}

int ctr_writer_end(struct ctr_writer *w)
{
	struct ctr_end end = { .chunks = w->chunks };
	struct iovec iov = { &end, sizeof(end) };

	return ctr_write_chunk(w, CTR_CHUNK_END, &iov, 1);
}

int ctr_write_process(struct ctr_writer *w, const struct ctr_process *p,
		      const char *exe, const char *cmdline)
{
	struct iovec v[] = {
		{ (void *)p, sizeof(*p) },
		{ (void *)exe, p->exe_size },
		{ (void *)cmdline, p->cmdline_size },
	};

	return ctr_write_chunk(w, CTR_CHUNK_PROCESS, v, 3);
}

int ctr_write_module(struct ctr_writer *w, const struct ctr_module *m,
		     const struct ctr_segment *segs, const uint8_t *build_id,
		     const char *path)
{
	struct iovec v[] = {
		{ (void *)m, sizeof(*m) },
		{ (void *)segs, m->nsegments * sizeof(*segs) },
		{ (void *)build_id, m->build_id_size },
		{ (void *)path, m->path_size },
	};

	return ctr_write_chunk(w, CTR_CHUNK_MODULE, v, 4);
}

int ctr_write_thread(struct ctr_writer *w, const struct ctr_thread *t,
		     const struct ctr_event *events)
{
	struct iovec v[] = {
		{ (void *)t, sizeof(*t) },
		{ (void *)events, t->nevents * sizeof(*events) },
	};

	return ctr_write_chunk(w, CTR_CHUNK_THREAD, v, 2);
}

int ctr_write_stack(struct ctr_writer *w, const struct ctr_stack *s,
		    const void *bytes)
{
	struct iovec v[] = {
		{ (void *)s, sizeof(*s) },
		{ (void *)bytes, s->size },
	};

	return ctr_write_chunk(w, CTR_CHUNK_STACK, v, 2);
}
