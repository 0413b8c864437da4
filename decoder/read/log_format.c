/* log_format.c - see log_format.h.  Each conversion is parsed, rebuilt as
 * a printf spec with the argument's real width (long long or double), and
 * handed to snprintf with the word cast back to what the program passed,
 * so flags, width and precision behave exactly as printf's. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log_format.h"

struct out {
	char *p;
	size_t left; /* bytes left, the NUL included */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->left <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->left)
		n = o->left - 1;
	o->p += n;
	o->left -= n;
}

/* The word as the integer type the length modifier names. */
static long long as_signed(uint64_t w, const char *len)
{
	if (!strcmp(len, "hh"))
		return (signed char)w;
	if (!strcmp(len, "h"))
		return (short)w;
	if (!*len)
		return (int)w;
	return (long long)w;
}

static unsigned long long as_unsigned(uint64_t w, const char *len)
{
	if (!strcmp(len, "hh"))
		return (unsigned char)w;
	if (!strcmp(len, "h"))
		return (unsigned short)w;
	if (!*len)
		return (unsigned)w;
	return w;
}

/* Formats one conversion; spec holds "%" flags width precision, conv the
 * conversion character.  Returns 0, or -1 when it cannot be honoured. */
static int convert(struct out *o, char *spec, size_t speclen, const char *len,
		   char conv, uint64_t w, log_string_fn string, void *ctx)
{
	union { uint64_t u; double d; } bits = { w };
	const char *s;

	switch (conv) {
	case 'd': case 'i':
		snprintf(spec + speclen, 8, "ll%c", conv);
		put(o, spec, as_signed(w, len));
		return 0;
	case 'u': case 'o': case 'x': case 'X':
		snprintf(spec + speclen, 8, "ll%c", conv);
		put(o, spec, as_unsigned(w, len));
		return 0;
	case 'c':
		snprintf(spec + speclen, 8, "c");
		put(o, spec, (int)(unsigned char)w);
		return 0;
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
		if (!strcmp(len, "L"))
			return -1;
		snprintf(spec + speclen, 8, "%c", conv);
		put(o, spec, bits.d);
		return 0;
	case 'p':
		put(o, "0x%llx", (unsigned long long)w);
		return 0;
	case 's':
		if (!(s = string ? string(ctx, w) : NULL))
			return -1;
		snprintf(spec + speclen, 8, "s");
		put(o, spec, s);
		return 0;
	}
	return -1;
}

void log_format(char *out, size_t size, const char *fmt, const uint64_t *args,
		unsigned nargs, log_string_fn string, void *ctx)
{
	struct out o = { out, size };
	unsigned next = 0, stars = 0;

	if (size)
		*out = '\0';
	while (*fmt && o.left > 1) {
		const char *start = fmt, *len_start;
		char spec[64], len[3] = "";
		size_t n;

		if (*fmt != '%') {
			n = strcspn(fmt, "%");
			put(&o, "%.*s", (int)n, fmt);
			fmt += n;
			continue;
		}
		if (fmt[1] == '%') {
			put(&o, "%%");
			fmt += 2;
			continue;
		}
		fmt++;
		fmt += strspn(fmt, "-+ #0'");
		/* a '*' width or precision takes an argument of its own */
		if (*fmt == '*')
			stars++, fmt++;
		fmt += strspn(fmt, "0123456789");
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*')
				stars++, fmt++;
			fmt += strspn(fmt, "0123456789");
		}
		n = fmt - start;
		len_start = fmt;
		fmt += strspn(fmt, "hlLqjzt");
		if (fmt - len_start < 3)
			memcpy(len, len_start, fmt - len_start);
		if (!*fmt)
			break;
		next += stars;
		if (n + 8 > sizeof(spec) || stars || *fmt == 'n' || next >= nargs ||
		    (memcpy(spec, start, n),
		     convert(&o, spec, n, len, *fmt, args[next], string, ctx) < 0))
			put(&o, "<?>");
		next++;
		stars = 0;
		fmt++;
	}
}
