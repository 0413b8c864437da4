/* test_outbuf.c - the lossy memory of strings seen (seen_again), which the
 * binary emitters use to intern a log text only once it repeats: a string
 * is new once, then seen while its slot holds it, also among many strings
 * that differ only in their last byte (numbered log lines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "outbuf.h"

static int failures;

static void expect(const char *name, int want, int got)
{
	if (want != got) {
		printf("FAIL %s: %d, want %d\n", name, got, want);
		failures++;
	} else {
		printf("PASS %s\n", name);
	}
}

int main(void)
{
	struct seen *s = calloc(1, sizeof(*s));
	char text[32];
	int again = 0;

	expect("seen-new", 0, seen_again(s, "tick 0", 6));
	expect("seen-again", 1, seen_again(s, "tick 0", 6));
	expect("seen-other", 0, seen_again(s, "tick 1", 6));
	expect("seen-first-kept", 1, seen_again(s, "tick 0", 6));
	expect("seen-prefix-differs", 0, seen_again(s, "tick", 4));
	/* 100 texts differing in their last bytes, twice: each is new the
	 * first time and remembered the second (no two share a slot) */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 100; i++)
			again += seen_again(s, text, snprintf(text, sizeof(text),
							      "request %d", i));
	expect("seen-numbered-remembered", 100, again);
	free(s);
	return failures != 0;
}
