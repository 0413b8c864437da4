/* count.h - the layout of libctrail-count's counter tables, shared by
 * count.c and the fentry hooks in hooks_x86_64.S (see count.c).
 *
 * A code address a is counted in
 *   count_top[(a >> 32) & 0xffff][(a >> 16) & 0xffff][table * COUNT_SLOTS +
 *                                                     ((a & 0xffff) >> 2)]
 * where a middle table has 65536 leaf pointers (64 KiB of code each) and
 * a leaf has COUNT_TABLES copies of COUNT_SLOTS counters, one per 4 bytes. */
#ifndef CTRAIL_COUNT_H
#define CTRAIL_COUNT_H

#define COUNT_SLOT_SHIFT 2    /* 4 bytes of code per counter */
#define COUNT_WINDOW_SHIFT 16 /* a leaf covers 64 KiB of code */
#define COUNT_TOP_SHIFT 32    /* a middle table covers 4 GiB */
#define COUNT_SLOTS (1 << (COUNT_WINDOW_SHIFT - COUNT_SLOT_SHIFT))
#define COUNT_TOP_SIZE (1 << 16)
#define COUNT_MID_SIZE (1 << (COUNT_TOP_SHIFT - COUNT_WINDOW_SHIFT))

/* The cyg hooks get the function's first byte and count it 3 bytes
 * further on, so the first byte of its counter's 4-byte slot - the address
 * reported - lies inside the function; the fentry hooks get an address 5
 * or more bytes into it and count it as is. */
#define COUNT_CYG_BIAS 3

/* Copies of the counters, indexed by CPU (make COUNT_TABLES=N, a power of
 * two); 1 keeps the CPU lookup off the hot path. */
#ifndef COUNT_TABLES
#define COUNT_TABLES 1
#endif

#endif
