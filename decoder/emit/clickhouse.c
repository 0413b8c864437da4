/* clickhouse.c - see clickhouse.h.  The statement goes in the URL's query
 * parameter (escaped by libcurl, appended to the parameters the URL has,
 * such as database=), the body is POSTed as is.  Connecting may take 10 s;
 * a request stalled for 60 s (less than a byte a second) is abandoned. */
#define _GNU_SOURCE /* asprintf */
#include "clickhouse.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t take_reply(char *data, size_t size, size_t n, void *ctx)
{
	struct clickhouse *c = ctx;
	char *grown = realloc(c->reply, c->reply_len + size * n + 1);

	if (!grown)
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	memcpy(grown + c->reply_len, data, size * n);
	c->reply = grown;
	c->reply_len += size * n;
	c->reply[c->reply_len] = '\0';
	return size * n;
}

int clickhouse_open(struct clickhouse *c, const char *url)
{
	memset(c, 0, sizeof(*c));
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		snprintf(c->err, sizeof(c->err),
			 "%s: not an http:// or https:// URL of ClickHouse's HTTP interface", url);
		return -EINVAL;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	c->url = strdup(url);
	if (!c->curl || !c->url) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		clickhouse_close(c);
		return -ENOMEM;
	}
	return 0;
}

void clickhouse_close(struct clickhouse *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->url);
	free(c->reply);
	c->curl = NULL;
	c->url = c->reply = NULL;
}

/* The URL with sql as its query parameter, malloc'd, or NULL. */
static char *request_url(struct clickhouse *c, const char *sql)
{
	char *escaped = curl_easy_escape(c->curl, sql, 0);
	char *out = NULL;
	const char *sep = strchr(c->url, '?') ? "&" : strchr(c->url + 8, '/') ? "?" : "/?";

	if (escaped && asprintf(&out, "%s%squery=%s", c->url, sep, escaped) < 0)
		out = NULL;
	curl_free(escaped);
	return out;
}

/* The first line of the server's message, for the error. */
static void server_error(struct clickhouse *c, long status)
{
	size_t n = c->reply ? strcspn(c->reply, "\n") : 0;

	snprintf(c->err, sizeof(c->err), "%s: the server answered %ld: %.*s", c->url, status,
		 (int)(n < 400 ? n : 400), c->reply ? c->reply : "");
}

int clickhouse_query(struct clickhouse *c, const char *sql, const char *body, size_t n)
{
	char *url = request_url(c, sql);
	CURLcode rc;
	long status = 0;

	if (!url) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -ENOMEM;
	}
	c->reply_len = 0;
	if (c->reply)
		c->reply[0] = '\0';
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? n : 0));
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, take_reply);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c->curl);
	free(url);
	if (rc != CURLE_OK) {
		snprintf(c->err, sizeof(c->err), "%s: %s", c->url, curl_easy_strerror(rc));
		return -EIO;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		server_error(c, status);
		return -EIO;
	}
	return 0;
}
