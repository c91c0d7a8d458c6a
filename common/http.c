/* HTTP through libcurl: see http.h.
 *
 * Every request gets a fresh easy handle with an error buffer, http and
 * https only (redirects too), TLS verification on, timeouts, no signals,
 * no redirects unless asked, a body cap enforced in the write callback and
 * the response headers of the last answer collected.  All transfers, one
 * or many, run through one curl multi loop, so that http_perform and
 * http_perform_many share their retry logic: a failed attempt is put back
 * on a timer (its backoff or the server's Retry-After) while the other
 * transfers go on.
 *
 * Stands on libcurl, util.c (strbuf), msg.c. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "msg.h"
#include "util.h"

#define HTTP_TIMEOUT_DEFAULT_MS 30000L
#define HTTP_CONNECT_TIMEOUT_DEFAULT_MS 10000L
#define HTTP_RETRIES_DEFAULT 3
#define HTTP_BACKOFF_DEFAULT_MS 500L
#define HTTP_BACKOFF_MAX_MS 30000L
#define HTTP_RETRY_AFTER_CAP_DEFAULT_MS 60000L

static const char user_agent[] = "perfsuite/" PACKAGE_VERSION;

/* One request's progress through its attempts. */
struct xfer {
	const struct http_request *req;
	struct http_response *resp;
	CURL *easy;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	size_t max_body;
	bool too_big;
	bool done;
	long long start_at_ms;       /* monotonic time of the next attempt */
};

static bool http_initialised;

void http_global_init(void)
{
	if (http_initialised)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die(PERF_EXIT_EXTERNAL, "cannot initialise libcurl");
	http_initialised = true;
	atexit(curl_global_cleanup);
}

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- redaction ---- */

char *http_redact_url(const char *url)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	if (!sep || sep == url)
		return xstrdup("***");
	for (const char *p = url; p < sep; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return xstrdup("***");
	const char *auth = sep + 3;
	size_t authlen = strcspn(auth, "/?#");
	/* Drop user info: everything up to the last '@' of the authority. */
	for (size_t i = authlen; i > 0; i--)
		if (auth[i - 1] == '@') {
			auth += i;
			authlen -= i;
			break;
		}
	return xasprintf("%.*s://%.*s/***", (int)(sep - url), url, (int)authlen, auth);
}

/* Replace every occurrence of needle in s (in place, s holds size bytes)
 * with repl. */
static void replace_all(char *s, size_t size, const char *needle, const char *repl)
{
	size_t nlen = strlen(needle);
	if (!nlen)
		return;
	struct strbuf sb = STRBUF_INIT;
	const char *p = s, *hit;
	bool any = false;
	sb_adds(&sb, "");
	while ((hit = strstr(p, needle))) {
		sb_add(&sb, p, (size_t)(hit - p));
		sb_adds(&sb, repl);
		p = hit + nlen;
		any = true;
	}
	if (any) {
		sb_adds(&sb, p);
		snprintf(s, size, "%s", sb.buf);
	}
	sb_release(&sb);
}

/* Scrub curl's error text of the URL and of anything after its host. */
static void scrub_error(char *s, size_t size, const char *url)
{
	if (!url || !*url)
		return;
	char *red = http_redact_url(url);
	replace_all(s, size, url, red);
	const char *sep = strstr(url, "://");
	const char *rest = sep ? sep + 3 + strcspn(sep + 3, "/?#") : url;
	if (strlen(rest) > 1)
		replace_all(s, size, rest, "/***");
	const char *at = sep ? memchr(sep + 3, '@', strcspn(sep + 3, "/?#")) : NULL;
	if (at) {
		char *userinfo = xstrndup(sep + 3, (size_t)(at - (sep + 3)));
		replace_all(s, size, userinfo, "***");
		free(userinfo);
	}
	free(red);
}

/* ---- headers ---- */

char *http_header(const struct http_response *resp, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = resp->headers.buf;
	if (!p)
		return NULL;
	while (*p) {
		size_t linelen = strcspn(p, "\n");
		if (linelen > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
			const char *v = p + nlen + 1, *end = p + linelen;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return xstrndup(v, (size_t)(end - v));
		}
		p += linelen;
		if (*p)
			p++;
	}
	return NULL;
}

long http_parse_retry_after(const char *value, long long now)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t len = strlen(value);
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r'))
		len--;
	if (!len)
		return -1;
	const long long cap_s = LONG_MAX / 1000;
	if (isdigit((unsigned char)value[0])) {
		long long secs = 0;
		size_t i;
		for (i = 0; i < len && isdigit((unsigned char)value[i]); i++) {
			secs = secs * 10 + (value[i] - '0');
			if (secs > cap_s)
				secs = cap_s;
		}
		if (i == len)
			return (long)(secs * 1000);
		/* Not delta-seconds: perhaps a date that starts with a digit. */
	}
	/* An HTTP date: IMF-fixdate, RFC 850 or asctime.  curl_getdate reads
	 * them all but is lenient, so insist on a weekday name and a year. */
	if (!isalpha((unsigned char)value[0]))
		return -1;
	char *copy = xstrndup(value, len);
	time_t t = curl_getdate(copy, NULL);
	free(copy);
	if (t == -1)
		return -1;
	long long delta = (long long)t - now;
	if (delta < 0)
		delta = 0;
	if (delta > cap_s)
		delta = cap_s;
	return (long)(delta * 1000);
}

/* ---- callbacks ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nmemb;
	if (x->resp->body.len + n > x->max_body) {
		x->too_big = true;
		return 0;        /* CURLE_WRITE_ERROR */
	}
	sb_add(&x->resp->body, data, n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nmemb;
	/* A new status line (after 100 Continue, say) starts a new set. */
	if (n >= 5 && !memcmp(data, "HTTP/", 5))
		sb_reset(&x->resp->headers);
	if (x->resp->headers.len + n > x->max_body) {
		x->too_big = true;
		return 0;
	}
	sb_add(&x->resp->headers, data, n);
	return n;
}

/* ---- one attempt ---- */

static void xfer_start(struct xfer *x, CURLM *multi)
{
	const struct http_request *req = x->req;
	struct http_response *resp = x->resp;
	const char *method = req->method ? req->method : "GET";

	sb_reset(&resp->body);
	sb_reset(&resp->headers);
	sb_adds(&resp->body, "");
	sb_adds(&resp->headers, "");
	resp->status = 0;
	resp->attempts++;
	x->errbuf[0] = '\0';
	x->too_big = false;

	CURL *e = curl_easy_init();
	if (!e)
		die(PERF_EXIT_EXTERNAL, "cannot create a libcurl handle");
	x->easy = e;
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT_DEFAULT_MS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_DEFAULT_MS);
	if (req->max_redirects > 0) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)req->max_redirects);
	} else {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	}
	curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)x);

	if (!x->headers) {
		struct curl_slist *h = curl_slist_append(NULL, "Expect:");
		for (const char *const *p = req->headers; p && *p; p++)
			h = curl_slist_append(h, *p);
		x->headers = h;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);

	if (!strcmp(method, "GET") && !req->body) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		if (strcmp(method, "POST"))
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_multi_add_handle(multi, e);
}

static long backoff_for(const struct http_request *req, int attempts)
{
	long long d = req->backoff_ms > 0 ? req->backoff_ms : HTTP_BACKOFF_DEFAULT_MS;
	for (int i = 1; i < attempts && d < HTTP_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > HTTP_BACKOFF_MAX_MS)
		d = HTTP_BACKOFF_MAX_MS;
	return (long)d;
}

static bool transient(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

long http_retry_default(const struct http_request *req, struct http_response *resp,
			long backoff_ms, void *ctx)
{
	(void)ctx;
	if (resp->status != 429 && (resp->status < 500 || resp->status > 599))
		return -1;
	char *ra = http_header(resp, "retry-after");
	long delay = backoff_ms;
	if (ra) {
		long asked = http_parse_retry_after(ra, (long long)time(NULL));
		long cap = req->max_retry_after_ms > 0 ? req->max_retry_after_ms
						       : HTTP_RETRY_AFTER_CAP_DEFAULT_MS;
		if (asked > cap) {
			char *red = http_redact_url(req->url);
			snprintf(resp->error, sizeof resp->error,
				 "HTTP %ld from %s asks to retry after %ld s, longer than the %ld s allowed",
				 resp->status, red, asked / 1000, cap / 1000);
			free(red);
			free(ra);
			return -1;
		}
		if (asked >= 0)
			delay = asked;
		free(ra);
	}
	return delay;
}

/* The attempt ended: decide between done and another try.  Returns the
 * delay before the next attempt, or -1 when the request is finished. */
static long xfer_finish(struct xfer *x, CURLcode code)
{
	const struct http_request *req = x->req;
	struct http_response *resp = x->resp;
	int retries = req->retries < 0 ? HTTP_RETRIES_DEFAULT : req->retries;
	bool last = resp->attempts > retries;
	long backoff = backoff_for(req, resp->attempts);

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->error[0] = '\0';
	if (code != CURLE_OK) {
		char *red = http_redact_url(req->url);
		if (x->too_big) {
			snprintf(resp->error, sizeof resp->error,
				 "response from %s larger than %zu bytes", red, x->max_body);
			free(red);
			resp->result = -1;
			return -1;
		}
		scrub_error(x->errbuf, sizeof x->errbuf, req->url);
		size_t el = strlen(x->errbuf);
		while (el && (x->errbuf[el - 1] == '\n' || x->errbuf[el - 1] == '\r'))
			x->errbuf[--el] = '\0';
		snprintf(resp->error, sizeof resp->error, "%s %s: %s%s%s%s",
			 req->method ? req->method : "GET", red, curl_easy_strerror(code),
			 el ? " (" : "", x->errbuf, el ? ")" : "");
		free(red);
		resp->status = 0;
		resp->result = -1;
		if (transient(code) && !last)
			return backoff;
		if (resp->attempts > 1) {
			size_t l = strlen(resp->error);
			snprintf(resp->error + l, sizeof resp->error - l, " after %d attempts",
				 resp->attempts);
		}
		return -1;
	}
	if (resp->status < 400) {
		resp->result = 0;
		return -1;
	}
	resp->result = 1;
	long delay = (req->retry_policy ? req->retry_policy : http_retry_default)
		(req, resp, backoff, req->retry_ctx);
	if (delay >= 0 && !last)
		return delay;
	if (!resp->error[0]) {
		char *red = http_redact_url(req->url);
		snprintf(resp->error, sizeof resp->error, "HTTP %ld from %s %s%s", resp->status,
			 req->method ? req->method : "GET", red,
			 delay >= 0 && resp->attempts > 1 ? " after retries" : "");
		free(red);
	}
	return -1;
}

size_t http_perform_many(const struct http_request *reqs, struct http_response *resps, size_t n)
{
	http_global_init();
	CURLM *multi = curl_multi_init();
	if (!multi)
		die(PERF_EXIT_EXTERNAL, "cannot create a libcurl multi handle");
	struct xfer *x = xcalloc(n ? n : 1, sizeof *x);
	size_t pending = n;
	for (size_t i = 0; i < n; i++) {
		memset(&resps[i], 0, sizeof resps[i]);
		x[i].req = &reqs[i];
		x[i].resp = &resps[i];
		x[i].max_body = reqs[i].max_body ? reqs[i].max_body : HTTP_MAX_BODY_DEFAULT;
		xfer_start(&x[i], multi);
	}
	while (pending) {
		int running = 0;
		curl_multi_perform(multi, &running);
		CURLMsg *m;
		int queued;
		while ((m = curl_multi_info_read(multi, &queued))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct xfer *t = NULL;
			CURL *e = m->easy_handle;
			CURLcode code = m->data.result;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&t);
			long delay = xfer_finish(t, code);
			curl_multi_remove_handle(multi, e);
			curl_easy_cleanup(e);
			t->easy = NULL;
			if (delay < 0) {
				t->done = true;
				pending--;
			} else {
				t->start_at_ms = monotonic_ms() + delay;
			}
		}
		if (!pending)
			break;
		long long now = monotonic_ms(), next = now + 1000;
		bool active = false;
		for (size_t i = 0; i < n; i++) {
			if (x[i].done)
				continue;
			if (x[i].easy) {
				active = true;
			} else if (x[i].start_at_ms <= now) {
				xfer_start(&x[i], multi);
				active = true;
				next = now;
			} else if (x[i].start_at_ms < next) {
				next = x[i].start_at_ms;
			}
		}
		long wait = (long)(next - now);
		if (active)
			curl_multi_poll(multi, NULL, 0, wait > 0 ? (int)wait : 0, NULL);
		else
			sleep_ms(wait);
	}
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		curl_slist_free_all(x[i].headers);
		if (resps[i].result != 0)
			failed++;
	}
	free(x);
	curl_multi_cleanup(multi);
	return failed;
}

int http_perform(const struct http_request *req, struct http_response *resp)
{
	http_perform_many(req, resp, 1);
	return resp->result;
}

void http_response_free(struct http_response *resp)
{
	sb_release(&resp->body);
	sb_release(&resp->headers);
}
