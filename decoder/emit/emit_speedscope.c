/* emit_speedscope.c - speedscope's own file format
 * (https://www.speedscope.app/file-format-schema.json, "evented" profiles):
 *   {"$schema":"https://www.speedscope.app/file-format-schema.json",
 *    "exporter":"ctrail","name":"EXE",
 *    "profiles":[{"type":"evented","name":"THREAD [TID]","unit":"nanoseconds",
 *                 "events":[{"type":"O","frame":0,"at":0},...,
 *                           {"type":"C","frame":0,"at":1500}],
 *                 "startValue":0,"endValue":1500}, ...],
 *    "shared":{"frames":[{"name":"main","file":"a.c","line":3},...]},
 *    "activeProfileIndex":0}
 * One profile per thread with calls, its events in time order and well
 * nested as the timeline delivers them; "at" is exact nanoseconds from the
 * snapshot's first event (absolute wall-clock ns with --wall-clock, which
 * JavaScript readers round to about a microsecond).  startValue and
 * endValue are the thread's first and last event times.
 *
 * Everything is streamed: a JSON object's keys are unordered, so each
 * profile's start/end values follow its events and the frames table, whose
 * indexes are given out as functions are first met, comes after the
 * profiles.  Frames are one per symbol (struct symbol pointers are unique
 * per function), found through an open-addressing pointer table.  Memory
 * is the number of distinct functions.
 *
 * A context or fiber of a thread (timeline.h) is a profile of its own,
 * "NAME [TID]": its events, which interleave with the thread's, are kept
 * in memory (struct ss_context) and written after the thread's profile. */
#define _GNU_SOURCE /* asprintf, open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emit.h"
#include "outbuf.h"

/* A context's profile being made. */
struct ss_context {
	FILE *events;  /* into buf */
	char *buf, *name;
	size_t len;
	int started; /* has an event */
	uint64_t first_ns, last_ns;
};

struct speedscope {
	FILE *out;
	const struct reader_thread *of;      /* the current thread */
	struct ss_context *contexts;         /* by track index (0 unused) */
	size_t ncontexts;
	unsigned cur;                        /* the current track */
	int err;
	const struct time_base *tb;
	const struct reader_thread *thread; /* its header not written yet */
	int profiles;                       /* written so far */
	uint64_t first_ns, last_ns;         /* of the current profile */
	const struct symbol **frames;       /* by frame index */
	uint32_t nframes, frames_cap;
	uint32_t *slots; /* frame index + 1 by symbol pointer; 0 is empty */
	uint32_t nslots;
};

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

static uint32_t slot_of(const struct symbol *sym, uint32_t nslots)
{
	return ((uintptr_t)sym >> 3) * 0x9e3779b97f4a7c15ull >> 32 & (nslots - 1);
}

static int grow(struct speedscope *p)
{
	uint32_t n = p->nslots ? 2 * p->nslots : 256;
	uint32_t *slots = calloc(n, sizeof(*slots));
	const struct symbol **frames = realloc(p->frames, n / 2 * sizeof(*frames));

	if (!slots || !frames) {
		free(slots);
		if (frames)
			p->frames = frames;
		return -ENOMEM;
	}
	p->frames = frames;
	for (uint32_t i = 0; i < p->nframes; i++) {
		uint32_t k = slot_of(frames[i], n);

		while (slots[k])
			k = (k + 1) & (n - 1);
		slots[k] = i + 1;
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = n;
	return 0;
}

/* The frame index of sym, given out on first sight; -ENOMEM. */
static int64_t frame_of(struct speedscope *p, const struct symbol *sym)
{
	uint32_t k;

	if (2 * (p->nframes + 1) > p->nslots && grow(p) < 0)
		return -ENOMEM;
	for (k = slot_of(sym, p->nslots); p->slots[k]; k = (k + 1) & (p->nslots - 1))
		if (p->frames[p->slots[k] - 1] == sym)
			return p->slots[k] - 1;
	p->frames[p->nframes] = sym;
	p->slots[k] = ++p->nframes;
	return p->nframes - 1;
}

static int ss_begin_file(void *ctx, const struct reader_snapshot *snap,
			 const struct time_base *tb)
{
	struct speedscope *p = ctx;
	const char *exe = snap->exe, *slash;
	size_t n = snap->process->exe_size;
	char *name;

	p->tb = tb;
	for (slash = exe; slash < exe + n; slash++)
		if (*slash == '/')
			exe = slash + 1;
	name = strndup(exe, snap->exe + n - exe);
	if (!name)
		return -ENOMEM;
	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
	      "\"exporter\":\"ctrail\",\"name\":", p->out);
	put_string(p->out, name);
	fputs(",\"activeProfileIndex\":0,\n\"profiles\":[", p->out);
	free(name);
	return 0;
}

/* Ends the current profile, if one was started. */
static void end_profile(struct speedscope *p)
{
	if (p->thread || !p->profiles)
		return;
	fprintf(p->out, "\n],\"startValue\":%llu,\"endValue\":%llu}",
		(unsigned long long)p->first_ns, (unsigned long long)p->last_ns);
}

/* A profile's head: "{...,"events":[" after a comma if not the first. */
static void profile_head(struct speedscope *p, const char *name)
{
	fputs(p->profiles++ ? ",\n{" : "\n{", p->out);
	fputs("\"type\":\"evented\",\"name\":", p->out);
	put_string(p->out, name);
	fputs(",\"unit\":\"nanoseconds\",\"events\":[", p->out);
}

/* Writes (if `write`) the profiles of the thread's contexts that have
 * events, and forgets them. */
static int flush_contexts(struct speedscope *p, int write)
{
	int err = 0;

	for (size_t i = 1; i < p->ncontexts; i++) {
		struct ss_context *c = &p->contexts[i];

		if (c->events && fclose(c->events) && !err)
			err = -errno;
		if (write && c->events && c->started) {
			profile_head(p, c->name);
			fwrite(c->buf, 1, c->len, p->out);
			fprintf(p->out, "\n],\"startValue\":%llu,\"endValue\":%llu}",
				(unsigned long long)c->first_ns,
				(unsigned long long)c->last_ns);
		}
		free(c->buf);
		free(c->name);
		*c = (struct ss_context){ 0 };
	}
	return err;
}

static int ss_thread(void *ctx, const struct reader_thread *t)
{
	struct speedscope *p = ctx;

	end_profile(p);
	p->thread = p->of = t; /* its profile starts at its first call */
	p->cur = 0;
	return flush_contexts(p, 1);
}

static int ss_track(void *ctx, const struct track *tr)
{
	struct speedscope *p = ctx;
	struct ss_context *c;

	p->cur = tr->index;
	if (!tr->index)
		return 0;
	if (!(c = array_room(p->contexts, &p->ncontexts, tr->index, sizeof(*c))))
		return -ENOMEM;
	p->contexts = c;
	c += tr->index;
	if (c->events)
		return 0;
	if (asprintf(&c->name, "%s [%u]", tr->name, p->of->hdr->tid) < 0) {
		c->name = NULL;
		return -ENOMEM;
	}
	c->events = open_memstream(&c->buf, &c->len);
	return c->events ? 0 : -ENOMEM;
}

static void start_profile(struct speedscope *p, uint64_t at)
{
	char name[64];

	snprintf(name, sizeof(name), "%s [%u]",
		 p->thread->name[0] ? p->thread->name : "thread",
		 p->thread->hdr->tid);
	profile_head(p, name);
	p->thread = NULL;
	p->first_ns = at;
}

static int event(struct speedscope *p, char type, const struct symbol *sym,
		 uint64_t at)
{
	int64_t frame = frame_of(p, sym);
	struct ss_context *c = p->cur ? &p->contexts[p->cur] : NULL;

	if (frame < 0)
		return frame;
	if (c) {
		if (c->started)
			putc(',', c->events);
		else
			c->first_ns = at;
		c->started = 1;
		fprintf(c->events, "\n{\"type\":\"%c\",\"frame\":%lld,\"at\":%llu}",
			type, (long long)frame, (unsigned long long)at);
		c->last_ns = at;
		return ferror(c->events) ? -EIO : 0;
	}
	if (p->thread)
		start_profile(p, at);
	else
		putc(',', p->out);
	fprintf(p->out, "\n{\"type\":\"%c\",\"frame\":%lld,\"at\":%llu}", type,
		(long long)frame, (unsigned long long)at);
	p->last_ns = at;
	return ferror(p->out) ? -EIO : 0;
}

static int ss_slice_begin(void *ctx, const struct slice *s)
{
	struct speedscope *p = ctx;

	return event(p, 'O', s->sym, time_base_ns(p->tb, s->begin_tsc));
}

static int ss_slice_end(void *ctx, const struct slice *s)
{
	struct speedscope *p = ctx;

	return event(p, 'C', s->sym, time_base_ns(p->tb, s->end_tsc));
}

static int ss_end_file(void *ctx)
{
	struct speedscope *p = ctx;
	int err;

	end_profile(p);
	if ((err = flush_contexts(p, 1)))
		return err;
	fputs("\n],\n\"shared\":{\"frames\":[", p->out);
	for (uint32_t i = 0; i < p->nframes; i++) {
		const struct symbol *sym = p->frames[i];

		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", p->out);
		put_string(p->out, sym->name);
		if (sym->file) {
			fputs(",\"file\":", p->out);
			put_string(p->out, sym->file);
		}
		if (sym->line)
			fprintf(p->out, ",\"line\":%u", sym->line);
		putc('}', p->out);
	}
	fputs("\n]}}\n", p->out);
	return fflush(p->out) ? -errno : 0;
}

const struct emitter_ops speedscope_emitter_ops = {
	.begin_file = ss_begin_file,
	.thread = ss_thread,
	.track = ss_track,
	.slice_begin = ss_slice_begin,
	.slice_end = ss_slice_end,
	.end_file = ss_end_file,
};

void *speedscope_emitter_new(int fd)
{
	struct speedscope *p = calloc(1, sizeof(*p));
	int copy = dup(fd);

	if (p && copy >= 0 && (p->out = fdopen(copy, "w")))
		return p;
	if (copy >= 0)
		close(copy);
	free(p);
	return NULL;
}

int speedscope_emitter_free(void *emitter)
{
	struct speedscope *p = emitter;
	int err = ferror(p->out) ? -EIO : 0;

	if (fclose(p->out) && !err)
		err = -errno;
	flush_contexts(p, 0);
	free(p->contexts);
	free(p->frames);
	free(p->slots);
	free(p);
	return err;
}
