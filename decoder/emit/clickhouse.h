/* clickhouse.h - a client of ClickHouse's HTTP interface, for `ctrail
 * ingest`: one statement per request (the SQL in the `query` parameter, the
 * rows of an INSERT in the body), the server's reply kept whole.  Built on
 * libcurl (http and https, proxies, user:password@ in the URL).
 *
 * A request succeeds when the server answers 200; anything else (no
 * connection, a timeout, an exception from the server) is an error whose
 * text says what happened, ClickHouse's own message included. */
#ifndef CLICKHOUSE_H
#define CLICKHOUSE_H

#include <stddef.h>

struct clickhouse {
	void *curl;       /* CURL * */
	char *url;        /* as given: scheme://[user:password@]host:port/[?params] */
	char *reply;      /* the last reply's body, NUL ended */
	size_t reply_len;
	char err[512];    /* what went wrong, after a failure */
};

/* Checks the URL's scheme.  Returns 0, or -EINVAL with c->err set. */
int clickhouse_open(struct clickhouse *c, const char *url);
void clickhouse_close(struct clickhouse *c);

/* Runs sql, with body (n bytes, may be NULL) as the data of an INSERT.
 * Returns 0 with the reply in c->reply, or -EIO with c->err set. */
int clickhouse_query(struct clickhouse *c, const char *sql, const char *body, size_t n);

#endif
