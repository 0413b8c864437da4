/* outbuf.c - see outbuf.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "outbuf.h"

void outbuf_init(struct outbuf *o, int fd)
{
	o->fd = fd;
	o->err = 0;
	o->len = 0;
}

int outbuf_flush(struct outbuf *o)
{
	size_t done = 0;

	while (!o->err && done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? -errno : -EIO;
		else
			done += n;
	}
	o->len = 0;
	return o->err;
}

/* A key is a pointer (len == SIZE_MAX) or a copied string. */
struct intern_slot {
	const void *key;
	size_t len;
	uint64_t hash;
	uint32_t value; /* 0: empty slot */
};

#define PTR_KEY SIZE_MAX

void intern_init(struct intern *t)
{
	t->slots = NULL;
	t->mask = 0;
	t->count = 0;
}

void intern_clear(struct intern *t)
{
	for (size_t i = 0; t->slots && i <= t->mask; i++) {
		if (t->slots[i].value && t->slots[i].len != PTR_KEY)
			free((void *)t->slots[i].key);
		t->slots[i].value = 0;
	}
	t->count = 0;
}

void intern_free(struct intern *t)
{
	intern_clear(t);
	free(t->slots);
	intern_init(t);
}

static uint64_t hash_ptr(const void *p)
{
	return ((uintptr_t)p >> 3) * UINT64_C(0x9e3779b97f4a7c15);
}

/* FNV-1a */
static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	return h;
}

static struct intern_slot *lookup(const struct intern *t, const void *key,
				  size_t len, uint64_t hash)
{
	size_t i = hash >> 20;

	for (;; i++) {
		struct intern_slot *s = &t->slots[i & t->mask];

		if (!s->value)
			return s;
		if (s->hash == hash && s->len == len &&
		    (len == PTR_KEY ? s->key == key : !memcmp(s->key, key, len)))
			return s;
	}
}

static uint32_t find(const struct intern *t, const void *key, size_t len,
		     uint64_t hash)
{
	return t->slots ? lookup(t, key, len, hash)->value : 0;
}

uint32_t intern_ptr_find(const struct intern *t, const void *key)
{
	return find(t, key, PTR_KEY, hash_ptr(key));
}

uint32_t intern_str_find(const struct intern *t, const char *s, size_t n)
{
	return find(t, s, n, hash_str(s, n));
}

/* Doubles the slot array (or makes the first one). */
static int grow(struct intern *t)
{
	size_t n = t->slots ? 2 * (t->mask + 1) : 64;
	struct intern old = *t;

	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots) {
		*t = old;
		return -ENOMEM;
	}
	t->mask = n - 1;
	for (size_t i = 0; old.slots && i <= old.mask; i++)
		if (old.slots[i].value)
			*lookup(t, old.slots[i].key, old.slots[i].len,
				old.slots[i].hash) = old.slots[i];
	free(old.slots);
	return 0;
}

static uint32_t add(struct intern *t, const void *key, size_t len,
		    uint64_t hash, uint32_t value)
{
	struct intern_slot *s;

	if ((!t->slots || 2 * (size_t)(t->count + 1) > t->mask) && grow(t) < 0)
		return 0;
	s = lookup(t, key, len, hash);
	if (len != PTR_KEY) {
		char *copy = malloc(len + 1);

		if (!copy)
			return 0;
		memcpy(copy, key, len);
		copy[len] = 0;
		key = copy;
	}
	t->count++;
	*s = (struct intern_slot){ key, len, hash, value ? value : t->count };
	return s->value;
}

uint32_t intern_ptr_add(struct intern *t, const void *key, uint32_t value)
{
	return add(t, key, PTR_KEY, hash_ptr(key), value);
}

uint32_t intern_str_add(struct intern *t, const char *s, size_t n)
{
	return add(t, s, n, hash_str(s, n), 0);
}

int seen_again(struct seen *t, const char *s, size_t n)
{
	uint64_t h = hash_str(s, n) | 1; /* never 0, the empty slot */
	/* the top bits of a multiply: FNV's middle bits barely differ for
	 * strings that differ in their last byte ("tick 1", "tick 2") */
	uint64_t *slot = &t->hash[(h * UINT64_C(0x9e3779b97f4a7c15)) >> 52];

	if (*slot == h)
		return 1;
	*slot = h;
	return 0;
}

size_t utf8_prefix(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	/* step back over continuation bytes to a sequence's first byte */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void context_ids_init(struct context_ids *c)
{
	*c = (struct context_ids){ .next = CONTEXT_ID_FIRST };
}

void context_ids_free(struct context_ids *c)
{
	free(c->ids);
	c->ids = NULL;
	c->n = 0;
}

void context_ids_reset(struct context_ids *c)
{
	if (c->n)
		memset(c->ids, 0, c->n * sizeof(*c->ids));
}

uint32_t context_id(struct context_ids *c, unsigned index)
{
	uint32_t *grown = array_room(c->ids, &c->n, index, sizeof(*grown));

	if (!grown)
		return 0;
	c->ids = grown;
	if (!c->ids[index])
		c->ids[index] = c->next++;
	return c->ids[index];
}

void *array_room(void *array, size_t *cap, size_t index, size_t size)
{
	size_t n = 2 * index + 16;
	char *grown;

	if (index < *cap)
		return array;
	if (!(grown = realloc(array, n * size)))
		return NULL;
	memset(grown + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return grown;
}
