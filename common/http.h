/* HTTP (and SMTP) through libcurl for the applets that talk to services:
 * GitHub, Slack, PagerDuty, webhooks, metrics endpoints.
 *
 * Every transfer has a timeout, a cap on the body it reads, TLS
 * verification on, and retries with backoff on connection failures, 429 and
 * 5xx (honouring Retry-After).  Error text never holds a secret: URLs are
 * shown redacted: scheme://host and then a slash and three asterisks. */
#ifndef PERF_HTTP_H
#define PERF_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define HTTP_MAX_BODY_DEFAULT ((size_t)4 << 20)   /* 4 MiB */

struct http_response;

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
	long max_retry_after_ms;     /* cap on a server's Retry-After; 0 = 60000.
	                              * A longer wait asked for is not retried */
	int max_redirects;           /* redirects to follow; 0 = none (the default) */
	/* After an answer with status >= 400: the delay in ms before the next
	 * attempt, or -1 for no retry (it may explain why in resp->error).
	 * backoff_ms is the exponential delay this attempt would get.  NULL
	 * means http_retry_default.  Transport failures (timeouts, refused or
	 * reset connections) are always retried with backoff. */
	long (*retry_policy)(const struct http_request *req, struct http_response *resp,
			     long backoff_ms, void *ctx);
	void *retry_ctx;
};

struct http_response {
	long status;                 /* HTTP status of the last attempt, 0 if none */
	struct strbuf body;
	struct strbuf headers;       /* raw header lines of the last attempt */
	int attempts;
	int result;                  /* what http_perform returns: 0, 1 or -1 */
	char error[512];             /* why it failed, secrets redacted */
};

/* Perform the request with retries.  Returns 0 when a response with a
 * status < 400 arrived, 1 when the final answer was an HTTP error (status
 * set, body kept), -1 on a transport failure (error set).  resp must be
 * released with http_response_free. */
int http_perform(const struct http_request *req, struct http_response *resp);
void http_response_free(struct http_response *resp);

/* Perform n requests concurrently (curl multi), each with its own retries
 * (a request waiting for its retry does not hold up the others).  resps[i]
 * gets request i's answer and resps[i].result what http_perform would have
 * returned.  Returns the number of requests whose result is not 0. */
size_t http_perform_many(const struct http_request *reqs, struct http_response *resps, size_t n);

/* The default retry policy: 429 and 5xx are retried after the server's
 * Retry-After (when it is within req->max_retry_after_ms) or backoff_ms;
 * other statuses are not. */
long http_retry_default(const struct http_request *req, struct http_response *resp,
			long backoff_ms, void *ctx);

/* The value of response header name (case-insensitive), malloc'd, or NULL. */
char *http_header(const struct http_response *resp, const char *name);

/* Parse a Retry-After value (delta-seconds or an HTTP date) relative to now;
 * returns milliseconds, or -1 when it cannot be read. */
long http_parse_retry_after(const char *value, long long now);

/* The URL as messages may show it: scheme and host (with any port), then
 * "/" "***" (e.g. https://hooks.slack.com/ followed by three asterisks), for
 * messages; user info, path, query and fragment are dropped.  Malloc'd. */
char *http_redact_url(const char *url);

/* Call once before any transfer (curl_global_init); safe to call twice. */
void http_global_init(void);

#endif
