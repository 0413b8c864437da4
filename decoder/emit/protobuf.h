/* protobuf.h - the protocol buffers wire format, written by hand for the
 * protobuf outputs (emit_perfetto.c: Perfetto traces; emit_pprof.c: pprof
 * profiles): varints, length-delimited fields and nested messages built in
 * place in a buffer the caller made room in.  Each function stores at p
 * and returns the end of what it stored.
 *
 * A nested message gets a one-byte length slot, widened (bytes moved up)
 * on close in the rare case it reaches 128 bytes, so the caller's room
 * must allow a few bytes more than the message. */
#ifndef PROTOBUF_H
#define PROTOBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

/* The most bytes a varint takes. */
#define PB_VARINT_MAX 10

static inline uint8_t *pb_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)v | 0x80;
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint8_t *pb_uint(uint8_t *p, unsigned field, uint64_t v)
{
	return pb_varint(pb_varint(p, field << 3 | WIRE_VARINT), v);
}

/* An int32 or int64 field: negative values sign-extended to 64 bits. */
static inline uint8_t *pb_int(uint8_t *p, unsigned field, int64_t v)
{
	return pb_uint(p, field, (uint64_t)v);
}

static inline uint8_t *pb_fixed64(uint8_t *p, unsigned field, uint64_t v)
{
	p = pb_varint(p, field << 3 | WIRE_FIXED64);
	memcpy(p, &v, 8);
	return p + 8;
}

static inline uint8_t *pb_bytes(uint8_t *p, unsigned field, const char *s, size_t n)
{
	p = pb_varint(pb_varint(p, field << 3 | WIRE_LEN), n);
	memcpy(p, s, n);
	return p + n;
}

/* Starts a nested message: its tag, then a one-byte length slot, whose
 * address is returned through slot. */
static inline uint8_t *pb_open(uint8_t *p, unsigned field, uint8_t **slot)
{
	p = pb_varint(p, field << 3 | WIRE_LEN);
	*slot = p;
	return p + 1;
}

/* Ends the message whose slot is given, at end; returns the new end. */
static inline uint8_t *pb_close(uint8_t *slot, uint8_t *end)
{
	size_t n = end - slot - 1, k = 1;

	if (n < 0x80) {
		*slot = (uint8_t)n;
		return end;
	}
	for (size_t v = n; v >= 0x80; v >>= 7)
		k++;
	memmove(slot + k, slot + 1, n);
	pb_varint(slot, n);
	return slot + k + n;
}

#endif
