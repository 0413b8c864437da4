/* emit_json.c - Chrome Trace Event JSON, as Perfetto UI and chrome://tracing
 * read it: {"traceEvents":[...],"displayTimeUnit":"ns",...}.
 *
 * Every slice becomes one complete event written when the slice ends:
 *   {"ph":"X","pid":P,"tid":T,"ts":US,"dur":US,"name":"f",
 *    "args":{"file":"f.c","line":12,"repair":"orphan return"}}
 * ts and dur are microseconds with exactly three decimals, i.e. exact
 * nanoseconds from the time base; dur is end minus begin after both are
 * converted, so ts + dur is the exact end.  args are left out when empty;
 * "repair" names what the timeline synthesized ("orphan return" for the
 * begin, the end's reason, or both joined by "; ").  Process and thread
 * names are "M" events.
 *
 * Output goes through one 1 MiB buffer with hand-written number and string
 * formatting, flushed with write(); a write error is kept and returned by
 * every later callback, which stops the timeline. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emit.h"

#define BUF_SIZE (1 << 20)
#define MAX_ITEM 4096 /* room reserved before writing a fixed-size piece */

struct json {
	int fd;
	int err;
	size_t len;
	int first; /* no event written yet: no comma before the next */
	uint32_t pid, tid;
	const struct time_base *tb;
	char buf[BUF_SIZE];
};

static int flush(struct json *j)
{
	size_t done = 0;

	while (!j->err && done < j->len) {
		ssize_t n = write(j->fd, j->buf + done, j->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			j->err = n < 0 ? -errno : -EIO;
		else
			done += n;
	}
	j->len = 0;
	return j->err;
}

/* Makes room for n more bytes (n <= BUF_SIZE). */
static int reserve(struct json *j, size_t n)
{
	return j->len + n > BUF_SIZE ? flush(j) : j->err;
}

static void put(struct json *j, const char *s, size_t n)
{
	while (n) {
		size_t room = BUF_SIZE - j->len, k = n < room ? n : room;

		memcpy(j->buf + j->len, s, k);
		j->len += k;
		s += k;
		n -= k;
		if (n && flush(j))
			return;
	}
}

#define PUT_LITERAL(j, s) put(j, s, sizeof(s) - 1)

/* Needs 20 bytes of room. */
static void put_u64(struct json *j, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		j->buf[j->len++] = tmp[--n];
}

/* Nanoseconds as microseconds with three decimals; needs 24 bytes. */
static void put_us(struct json *j, uint64_t ns)
{
	uint64_t frac = ns % 1000;

	put_u64(j, ns / 1000);
	j->buf[j->len++] = '.';
	j->buf[j->len++] = '0' + frac / 100;
	j->buf[j->len++] = '0' + frac / 10 % 10;
	j->buf[j->len++] = '0' + frac % 10;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 :
		     s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Escapes n bytes of s into the buffer, which has room for 6 * n. */
static void put_escaped(struct json *j, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *out = j->buf + j->len;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
			*out++ = s[i];
		} else if (s[i] == '"' || s[i] == '\\') {
			*out++ = '\\';
			*out++ = s[i];
		} else if (s[i] < 0x20) {
			memcpy(out, "\\u00", 4);
			out[4] = hex[s[i] >> 4];
			out[5] = hex[s[i] & 15];
			out += 6;
		} else if ((k = utf8_len(s + i, n - i)) != 0) {
			memcpy(out, s + i, k);
			out += k;
			i += k - 1;
		} else {
			memcpy(out, "\\ufffd", 6);
			out += 6;
		}
	}
	j->len = out - j->buf;
}

/* A JSON string of n bytes: quotes, backslashes and control characters
 * escaped, bytes that are not UTF-8 replaced by U+FFFD so the output
 * always parses.  Escaped in pieces, each with room reserved once. */
static void put_string(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t piece;

	if (reserve(j, 1))
		return;
	j->buf[j->len++] = '"';
	for (; n; s += piece, n -= piece) {
		piece = n < 1024 ? n : 1024;
		/* A UTF-8 sequence is never split: stop the piece before a
		 * continuation byte. */
		while (piece < n && (s[piece] & 0xc0) == 0x80 && piece > 1020)
			piece--;
		if (reserve(j, 6 * piece))
			return;
		put_escaped(j, s, piece);
	}
	if (!reserve(j, 1))
		j->buf[j->len++] = '"';
}

static void put_cstring(struct json *j, const char *s)
{
	put_string(j, s, strlen(s));
}

/* The start of every event: separator, phase, pid and tid. */
static void begin_event(struct json *j, const char *ph, uint32_t tid)
{
	if (reserve(j, MAX_ITEM))
		return;
	if (!j->first)
		j->buf[j->len++] = ',';
	j->first = 0;
	PUT_LITERAL(j, "\n{\"ph\":\"");
	put(j, ph, 1);
	PUT_LITERAL(j, "\",\"pid\":");
	put_u64(j, j->pid);
	PUT_LITERAL(j, ",\"tid\":");
	put_u64(j, tid);
}

static void metadata(struct json *j, const char *what, uint32_t tid,
		     const char *name, size_t n)
{
	begin_event(j, "M", tid);
	PUT_LITERAL(j, ",\"name\":");
	put_cstring(j, what);
	PUT_LITERAL(j, ",\"args\":{\"name\":");
	put_string(j, name, n);
	PUT_LITERAL(j, "}}");
}

static int json_begin_file(void *ctx, const struct reader_snapshot *snap,
			   const struct time_base *tb)
{
	struct json *j = ctx;

	j->tb = tb;
	j->pid = snap->process->pid;
	j->first = 1;
	PUT_LITERAL(j, "{\"traceEvents\":[");
	return j->err;
}

static int json_process(void *ctx, const struct reader_snapshot *snap)
{
	struct json *j = ctx;
	const char *exe = snap->exe;
	size_t n = snap->process->exe_size;
	const char *slash = memrchr(exe, '/', n);

	if (slash) {
		n -= slash + 1 - exe;
		exe = slash + 1;
	}
	metadata(j, "process_name", j->pid, exe, n);
	return j->err;
}

static int json_thread(void *ctx, const struct reader_thread *t)
{
	struct json *j = ctx;
	char name[32];

	j->tid = t->hdr->tid;
	if (t->name[0])
		metadata(j, "thread_name", j->tid, t->name, strlen(t->name));
	else
		metadata(j, "thread_name", j->tid, name,
			 snprintf(name, sizeof(name), "thread %u", j->tid));
	return j->err;
}

static void put_args(struct json *j, const struct slice *s)
{
	const char *sep = "";

	if (!s->sym->file && !s->begin_repair && !s->end_repair)
		return;
	PUT_LITERAL(j, ",\"args\":{");
	if (s->sym->file) {
		PUT_LITERAL(j, "\"file\":");
		put_cstring(j, s->sym->file);
		if (reserve(j, 32))
			return;
		if (s->sym->line) {
			PUT_LITERAL(j, ",\"line\":");
			put_u64(j, s->sym->line);
		}
		sep = ",";
	}
	if (s->begin_repair || s->end_repair) {
		const char *b = timeline_repair_name(s->begin_repair);
		const char *e = timeline_repair_name(s->end_repair);
		char text[64];

		put(j, sep, strlen(sep));
		PUT_LITERAL(j, "\"repair\":");
		put_string(j, text, snprintf(text, sizeof(text), "%s%s%s",
					     b ? b : "", b && e ? "; " : "",
					     e ? e : ""));
	}
	PUT_LITERAL(j, "}");
}

static int json_slice_end(void *ctx, const struct slice *s)
{
	struct json *j = ctx;
	uint64_t begin = time_base_ns(j->tb, s->begin_tsc);
	uint64_t end = time_base_ns(j->tb, s->end_tsc);

	begin_event(j, "X", j->tid);
	PUT_LITERAL(j, ",\"ts\":");
	put_us(j, begin);
	PUT_LITERAL(j, ",\"dur\":");
	put_us(j, end - begin);
	PUT_LITERAL(j, ",\"name\":");
	put_cstring(j, s->sym->name);
	put_args(j, s);
	if (!reserve(j, 1))
		PUT_LITERAL(j, "}");
	return j->err;
}

static int json_end_file(void *ctx)
{
	struct json *j = ctx;

	PUT_LITERAL(j, "\n],\"displayTimeUnit\":\"ns\"}\n");
	return flush(j);
}

const struct emitter_ops json_emitter_ops = {
	.begin_file = json_begin_file,
	.process = json_process,
	.thread = json_thread,
	.slice_end = json_slice_end,
	.end_file = json_end_file,
};

void *json_emitter_new(int fd)
{
	struct json *j = malloc(sizeof(*j));

	if (j) {
		j->fd = fd;
		j->err = 0;
		j->len = 0;
		j->first = 1;
	}
	return j;
}

int json_emitter_free(void *emitter)
{
	struct json *j = emitter;
	int err = flush(j);

	free(j);
	return err;
}
