/* test_log_format.c - the decode-time printf of CTRAIL_LOG: every
 * conversion, lengths, flags, strings read through the callback, and what
 * it cannot honour. */
#include <stdio.h>
#include <string.h>
#include "log_format.h"

static int failures;

static const char *strings(void *ctx, uint64_t addr)
{
	return addr == 0x1000 ? "hello" : NULL;
}

static uint64_t dbl(double d)
{
	union { double d; uint64_t u; } v = { d };
	return v.u;
}

static void expect(const char *name, const char *fmt, const uint64_t *args,
		   unsigned n, const char *want)
{
	char out[256];

	log_format(out, sizeof(out), fmt, args, n, strings, NULL);
	if (strcmp(out, want)) {
		printf("FAIL %s: \"%s\", want \"%s\"\n", name, out, want);
		failures++;
	} else {
		printf("PASS %s\n", name);
	}
}

int main(void)
{
	uint64_t ints[] = { 42, (uint64_t)-5, 255, 0x1000 };
	uint64_t lens[] = { 0x1ff, 0x1ffff, (uint64_t)-1, (uint64_t)-1 };
	uint64_t floats[] = { dbl(3.14159), dbl(-2.5e-3), dbl(1e10) };
	char small[8];

	expect("plain", "no conversions", NULL, 0, "no conversions");
	expect("percent", "100%%", NULL, 0, "100%");
	expect("ints", "%d %i %u %x", ints, 4, "42 -5 255 1000");
	expect("flags", "[%5d|%-5d|%05d|%+d|%#x|%#o]", (uint64_t[]){ 42, 42, 42, 42, 255, 8 },
	       6, "[   42|42   |00042|+42|0xff|010]");
	expect("lengths", "%hhu %hu %d %ld", lens, 4, "255 65535 -1 -1");
	expect("long long", "%lld %llu %zu", (uint64_t[]){ (uint64_t)-7, 7, 9 }, 3, "-7 7 9");
	expect("floats", "%.2f %e %g", floats, 3, "3.14 -2.500000e-03 1e+10");
	expect("char", "%c%c", (uint64_t[]){ 'o', 'k' }, 2, "ok");
	expect("string", "[%s] [%8s] [%.3s]", (uint64_t[]){ 0x1000, 0x1000, 0x1000 }, 3,
	       "[hello] [   hello] [hel]");
	expect("pointer", "%p", (uint64_t[]){ 0xdeadbeef }, 1, "0xdeadbeef");
	expect("unknown string", "%s!", (uint64_t[]){ 0x2000 }, 1, "<?>!");
	expect("missing argument", "%d and %d", ints, 1, "42 and <?>");
	expect("star width", "%*d|%d", ints, 3, "<?>|255");
	expect("no %n", "%n|%d", ints, 2, "<?>|-5");
	expect("long double", "%Lf", floats, 1, "<?>");
	expect("trailing percent", "50%", NULL, 0, "50");
	log_format(small, sizeof(small), "%s and more", (uint64_t[]){ 0x1000 }, 1, strings, NULL);
	expect("cut to size", small, NULL, 0, "hello a");
	return failures != 0;
}
