/* log_format.h - formats CTRAIL_LOG's delayed printf at decode time. */
#ifndef LOG_FORMAT_H
#define LOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Reads the string a %s argument points at; NULL if unknown. */
typedef const char *(*log_string_fn)(void *ctx, uint64_t addr);

/* Writes fmt with the raw argument words into out (always NUL-terminated,
 * cut to size).  Conversions: d i u o x X c with hh h l ll z j t lengths,
 * f F e E g G a A (the word holds a double's bits), p, s (a pointer to a
 * string in the binary, read with string()), %%.  What it cannot honour -
 * a '*' width, %n, a long double, a missing argument - is written as
 * "<?>" in place of that conversion. */
void log_format(char *out, size_t size, const char *fmt, const uint64_t *args,
		unsigned nargs, log_string_fn string, void *ctx);

#endif
