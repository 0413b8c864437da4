/* outbuf.h - what the emitters writing to a file descriptor share: a write
 * buffer (emit_json.c, emit_fxt.c, emit_perfetto.c), growable arrays,
 * and for the binary ones (FXT, Perfetto) an interning table and a lossy
 * memory of strings seen.
 *
 * The buffer is one fixed array flushed with write() when a record would
 * not fit; a write error is kept and returned from then on, so an emitter
 * checks it once per callback.  Records are built in place: reserve the
 * most a record can take, then store through outbuf_tail().
 *
 * The interning table maps a key (a pointer, or a string's bytes) to a
 * small number handed out in order, 1, 2, 3...  It is open addressing over
 * a power-of-two array that doubles at half load; string keys are copied.
 * Memory grows with the distinct keys (functions, threads), never with
 * the event count.
 *
 * The memory of strings seen tells a string met before from a new one, so
 * a log message is interned only when it repeats (most are unique and
 * would fill the table for nothing).  It is a fixed array of hashes, one
 * slot per hash value modulo its size: a string is "seen" while its slot
 * still holds its hash.  It forgets (another string took the slot) and,
 * rarely, confuses two strings of the same hash; either way the caller only
 * interns a string once too late or once too early.  Memory never grows. */
#ifndef OUTBUF_H
#define OUTBUF_H

#include <stddef.h>
#include <stdint.h>

#define OUTBUF_SIZE (1 << 20)

struct outbuf {
	int fd;
	int err;      /* first write error, negative errno */
	size_t len;
	uint8_t buf[OUTBUF_SIZE];
};

void outbuf_init(struct outbuf *o, int fd);
/* Writes what is buffered.  Returns 0 or the kept error. */
int outbuf_flush(struct outbuf *o);

/* Makes room for n bytes (n <= OUTBUF_SIZE); 0 or the kept error. */
static inline int outbuf_reserve(struct outbuf *o, size_t n)
{
	return o->len + n > OUTBUF_SIZE ? outbuf_flush(o) : o->err;
}

static inline uint8_t *outbuf_tail(struct outbuf *o)
{
	return o->buf + o->len;
}

/* Marks the bytes stored up to end (within the reserved room) as written. */
static inline void outbuf_commit(struct outbuf *o, const uint8_t *end)
{
	o->len = end - o->buf;
}

struct intern_slot;

struct intern {
	struct intern_slot *slots;
	size_t mask;  /* slot count - 1 */
	uint32_t count; /* numbers handed out so far */
};

void intern_init(struct intern *t);
void intern_free(struct intern *t);
/* Forgets every key; numbering restarts at 1. */
void intern_clear(struct intern *t);

/* The number of a pointer key, 0 if not there yet. */
uint32_t intern_ptr_find(const struct intern *t, const void *key);
/* The number of a string key of n bytes, 0 if not there yet. */
uint32_t intern_str_find(const struct intern *t, const char *s, size_t n);
/* Adds a key not there yet, under the next number (returned), or under
 * `value` if not 0.  Returns 0 on no memory. */
uint32_t intern_ptr_add(struct intern *t, const void *key, uint32_t value);
uint32_t intern_str_add(struct intern *t, const char *s, size_t n);

#define SEEN_SLOTS 4096 /* 1 << 12: a slot is the top 12 bits of a product */

struct seen {
	uint64_t hash[SEEN_SLOTS]; /* 0: empty */
};

/* 1 if the n bytes at s were seen before (and still remembered); else
 * remembers them and returns 0.  A zeroed struct seen is empty. */
int seen_again(struct seen *t, const char *s, size_t n);

/* Made-up thread ids for the contexts and fibers of a thread (timeline.h),
 * for the formats that show them as threads of their own: from 2^30 up,
 * above any real tid and any tid `convert --merge` moves, and unique in
 * the file, as Perfetto's importers keep 32 bits of a tid. */
#define CONTEXT_ID_FIRST (UINT32_C(1) << 30)

struct context_ids {
	uint32_t *ids; /* by track index; 0: none yet */
	size_t n;
	uint32_t next;
};

void context_ids_init(struct context_ids *c);
void context_ids_free(struct context_ids *c);
/* A new thread: its contexts get new ids. */
void context_ids_reset(struct context_ids *c);
/* The id of the current thread's context `index` (> 0); 0 on no memory. */
uint32_t context_id(struct context_ids *c, unsigned index);

/* array (of *cap elements of `size` bytes) with room for element
 * `index`: itself, or grown to twice what that needs (the new room
 * zeroed, *cap updated).  NULL on no memory, array left as it was. */
void *array_room(void *array, size_t *cap, size_t index, size_t size);

/* The longest prefix of s, at most max bytes, that does not cut a UTF-8
 * sequence in two. */
size_t utf8_prefix(const char *s, size_t n, size_t max);

#endif
