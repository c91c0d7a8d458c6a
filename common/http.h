/* HTTP (and SMTP) through libcurl for the applets that talk to services:
 * GitHub, Slack, PagerDuty, webhooks, metrics endpoints.
 *
 * Every transfer has a timeout, a cap on the body it reads, TLS
 * verification on, and retries with backoff on connection failures, 429 and
 * 5xx (honouring Retry-After).  Error text never holds a secret: URLs are
 * shown redacted (scheme://host/***). */
#ifndef PERF_HTTP_H
#define PERF_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define HTTP_MAX_BODY_DEFAULT ((size_t)4 << 20)   /* 4 MiB */

struct http_request {
	const char *method;          /* "GET", "POST", "PATCH", ...; NULL = GET */
	const char *url;
	const char *const *headers;  /* NULL-terminated "Name: value" list, or NULL */
	const char *body;            /* NULL for none */
	size_t body_len;
	long timeout_ms;             /* whole transfer; 0 = 30000 */
	long connect_timeout_ms;     /* 0 = 10000 */
	size_t max_body;             /* 0 = HTTP_MAX_BODY_DEFAULT; larger answers fail */
	int retries;                 /* further attempts after the first; -1 = 3 */
	long backoff_ms;             /* first retry delay, doubled each time; 0 = 500 */
	long max_retry_after_ms;     /* cap on a server's Retry-After; 0 = 60000 */
};

struct http_response {
	long status;                 /* HTTP status of the last attempt, 0 if none */
	struct strbuf body;
	struct strbuf headers;       /* raw header lines of the last attempt */
	int attempts;
	char error[512];             /* why it failed, secrets redacted */
};

/* Perform the request with retries.  Returns 0 when a response with a
 * status < 400 arrived, 1 when the final answer was an HTTP error (status
 * set, body kept), -1 on a transport failure (error set).  resp must be
 * released with http_response_free. */
int http_perform(const struct http_request *req, struct http_response *resp);
void http_response_free(struct http_response *resp);

/* The value of response header name (case-insensitive), malloc'd, or NULL. */
char *http_header(const struct http_response *resp, const char *name);

/* Parse a Retry-After value (delta-seconds or an HTTP date) relative to now;
 * returns milliseconds, or -1 when it cannot be read. */
long http_parse_retry_after(const char *value, long long now);

/* "https://hooks.slack.com/***": scheme and host only, for messages. */
char *http_redact_url(const char *url);

/* Call once before any transfer (curl_global_init); safe to call twice. */
void http_global_init(void);

#endif
