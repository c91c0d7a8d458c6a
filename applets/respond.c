/* perf respond: turn a performance regression into a tracked GitHub issue.
 *
 * For CI pipelines after perf compare: opens an issue with the original
 * response script's titles and labels (or comments on the open issue for
 * the same regression, found by a marker in its body), dispatches the
 * emergency rollback workflow for a critical regression in production, and
 * records the event in the history file for perf weekly.  Either one
 * regression from the command line (TYPE SEVERITY CURRENT BASELINE) or
 * every regression in `perf compare --format json` output (--from), with
 * the severity taken from the size of the change.
 *
 * Talks to the GitHub REST API itself: the documented headers, a token
 * that never reaches any output, pagination of the open issues, primary
 * and secondary rate limits honoured, mutating requests one at a time.
 *
 * Stands on: http.c (libcurl transfers and retries), json.c (answers and
 * --from input), jsonw.c (request bodies, reports, history line),
 * timeutil.c, util.c (append_line), msg.c. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "applets.h"
#include "history.h"
#include "http.h"
#include "json.h"
#include "jsonw.h"
#include "msg.h"
#include "timeutil.h"
#include "util.h"

static const char respond_usage[] =
"Usage: perf respond [OPTION]... TYPE SEVERITY CURRENT BASELINE\n"
"  or:  perf respond [OPTION]... --from FILE\n"
"Open (or comment on) a GitHub issue for a performance regression, dispatch\n"
"the rollback workflow for a critical one in production, and record the\n"
"event in the history file.  SEVERITY is critical, high or medium.\n"
"\n"
"  -F, --from=FILE            respond to every regression in FILE, the output\n"
"                             of 'perf compare --format json' (- for stdin)\n"
"      --critical-above=PCT   with --from: a change above PCT percent is\n"
"                             critical (default 25)\n"
"      --high-above=PCT       with --from: a change above PCT percent is high\n"
"                             (default 10); smaller ones are medium\n"
"  -R, --repo=OWNER/NAME      the repository (default $GITHUB_REPOSITORY)\n"
"      --rollback-workflow=FILE  workflow dispatched for a critical regression\n"
"                             when ENVIRONMENT=production\n"
"                             (default emergency-rollback.yml)\n"
"      --ref=REF              the ref the rollback runs on (default the\n"
"                             repository's default branch)\n"
"      --history=FILE         history file (default $PERF_HISTORY, else\n"
"                             perf-history.jsonl)\n"
"      --no-history           do not record the event\n"
"  -n, --dry-run              print the requests that would be sent (token\n"
"                             redacted) and send nothing\n"
"  -f, --format=FORMAT        text (default) or json\n"
"      --timeout=SECONDS      time allowed for each request (default 30)\n"
"      --retries=N            further attempts after a failed request (default 3)\n"
"      --rate-limit-wait=SECONDS  longest wait for a rate limit to lift\n"
"                             (default 60); longer ones fail\n"
"  -q, --quiet                no warnings\n"
"  -v, --verbose              say which requests are made\n"
"  -h, --help                 print this help and exit\n"
"\n"
"Environment: GITHUB_TOKEN (or GH_TOKEN), GITHUB_API_URL (default\n"
"https://api.github.com), GITHUB_REPOSITORY, ENVIRONMENT, GITHUB_SERVER_URL\n"
"and GITHUB_RUN_ID (the CI run linked from the issue), PERF_HISTORY.\n"
"Exit status: 0 done, 2 bad input, 3 GitHub failed (issue or rollback).\n"
"See perf-respond(1).\n";

enum severity { SEV_CRITICAL, SEV_HIGH, SEV_MEDIUM };
static const char *const severity_names[] = { "critical", "high", "medium" };

enum format { FMT_TEXT, FMT_JSON };

#define MARKER_OPEN "<!-- perfsuite:regression type="
#define MARKER_CLOSE " -->"
#define ISSUE_PAGES_MAX 20        /* 2000 open issues at 100 a page */
#define FROM_MAX_BYTES ((size_t)64 << 20)

struct regression {
	char *type;
	enum severity severity;
	double current, baseline;
	double change;               /* percent, NAN when the baseline is 0 */
};

struct known_issue {
	long number;
	char *html_url;
	char *marker;                /* the encoded type its marker names */
};

struct outcome {
	const char *action;          /* created, commented, dry-run, failed */
	long issue_number;           /* 0 when none */
	char *issue_url;
	const char *rollback;        /* dispatched, skipped, failed */
};

struct respond {
	enum format format;
	bool dry_run;
	bool history;
	const char *history_path;
	const char *from;
	double critical_above, high_above;
	const char *repo;
	const char *api;             /* without a trailing slash */
	const char *token;
	char *auth_header;
	const char *workflow;
	const char *ref;
	bool production;
	long timeout_ms;
	int retries;
	long rate_limit_wait_s;
	/* state of the run */
	bool issues_loaded;
	struct known_issue *issues;
	size_t nissues, issues_alloc;
	char *default_branch;
	const char *rollback_state;  /* NULL until tried: dispatched or failed */
	char *rollback_error;
	char *rollback_ref;
	struct regression *regs;
	size_t nregs, regs_alloc;
};

/* ---- input checks ---- */

static double parse_value(const char *what, const char *arg)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno == ERANGE || !isfinite(v))
		die(PERF_EXIT_TROUBLE, "invalid %s '%s': expected a number", what, arg);
	return v;
}

static double parse_percent(const char *opt, const char *arg)
{
	double v = parse_value(opt, arg);
	if (v < 0)
		die(PERF_EXIT_TROUBLE, "invalid %s '%s': expected a percentage of 0 or more", opt, arg);
	return v;
}

static long parse_count(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || errno == ERANGE || v < lo || v > hi)
		die(PERF_EXIT_TROUBLE, "invalid %s '%s': expected a whole number from %ld to %ld",
		    opt, arg, lo, hi);
	return v;
}

static enum severity parse_severity(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(severity_names); i++)
		if (!strcasecmp(s, severity_names[i]))
			return (enum severity)i;
	die(PERF_EXIT_TROUBLE, "unknown severity '%s' (expected critical, high or medium)", s);
}

static void check_type(const char *type)
{
	if (!*type)
		die(PERF_EXIT_TROUBLE, "the regression TYPE is empty");
	if (strlen(type) > 200)
		die(PERF_EXIT_TROUBLE, "the regression TYPE is longer than 200 characters");
	for (const unsigned char *p = (const unsigned char *)type; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			die(PERF_EXIT_TROUBLE, "the regression TYPE holds a control character");
}

static bool repo_name_ok(const char *repo)
{
	const char *slash = strchr(repo, '/');
	if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/'))
		return false;
	for (const char *p = repo; *p; p++)
		if (p != slash && !isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return strcmp(slash + 1, ".") && strcmp(slash + 1, "..");
}

static bool workflow_name_ok(const char *w)
{
	if (!*w || !strcmp(w, ".") || !strcmp(w, ".."))
		return false;
	for (const char *p = w; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

static bool token_ok(const char *t)
{
	if (!*t)
		return false;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

static void regression_add(struct respond *r, char *type, enum severity sev,
			   double current, double baseline)
{
	GROW(r->regs, r->regs_alloc, r->nregs + 1);
	struct regression *g = &r->regs[r->nregs++];
	g->type = type;
	g->severity = sev;
	g->current = current;
	g->baseline = baseline;
	g->change = baseline != 0 ? (current - baseline) / fabs(baseline) * 100.0 : NAN;
}

/* ---- --from: perf compare --format json ---- */

__attribute__((format(printf, 4, 5)))
static _Noreturn void from_die(const struct json_doc *doc, int tok, const char *name,
			       const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	unsigned line = 1, col = 1;
	if (tok >= 0)
		json_tok_position(doc, tok, &line, &col);
	die(PERF_EXIT_TROUBLE, "%s:%u:%u: not perf compare output: %s", name, line, col, buf);
}

static double from_number(const struct json_doc *doc, int obj, const char *key, const char *name)
{
	int v = json_obj_get(doc, obj, key);
	double d;
	if (v < 0)
		from_die(doc, obj, name, "a regression has no \"%s\"", key);
	if (json_type(doc, v) != JSMN_PRIMITIVE || json_is_null(doc, v) ||
	    json_number(doc, v, &d) != 0 || !isfinite(d))
		from_die(doc, v, name, "\"%s\" of a regression is not a number", key);
	return d;
}

static enum severity severity_for(const struct respond *r, double change)
{
	double size = fabs(change);
	if (isnan(change) || size > r->critical_above)
		return SEV_CRITICAL;
	if (size > r->high_above)
		return SEV_HIGH;
	return SEV_MEDIUM;
}

static void from_load(struct respond *r, const char *path)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	char *buf;
	size_t len;
	if (read_file(path, &buf, &len, FROM_MAX_BYTES) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot read '%s'", name);
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	if (len == 0)
		die(PERF_EXIT_TROUBLE, "%s:1:1: not perf compare output: the input is empty", name);
	if (json_parse(&doc, buf, len, NULL, name, 0, &err) != 0) {
		char msg[512];
		json_error_format(&doc, &err, msg, sizeof msg);
		die(PERF_EXIT_TROUBLE, "%s", msg);
	}
	if (json_type(&doc, 0) != JSMN_OBJECT)
		from_die(&doc, 0, name, "expected an object with \"benchmarks\"");
	int list = json_obj_get(&doc, 0, "benchmarks");
	if (list < 0)
		from_die(&doc, 0, name, "no \"benchmarks\" array");
	if (json_type(&doc, list) != JSMN_ARRAY)
		from_die(&doc, list, name, "\"benchmarks\" is not an array");
	for (int b = json_first(&doc, list); b >= 0; b = json_next(&doc, list, b)) {
		if (json_type(&doc, b) != JSMN_OBJECT)
			from_die(&doc, b, name, "a benchmark entry is not an object");
		int st = json_obj_get(&doc, b, "status");
		if (st < 0 || json_type(&doc, st) != JSMN_STRING)
			from_die(&doc, st < 0 ? b : st, name, "a benchmark entry has no \"status\" string");
		if (!json_str_eq(&doc, st, "regression"))
			continue;
		int bn = json_obj_get(&doc, b, "benchmark");
		if (bn < 0 || json_type(&doc, bn) != JSMN_STRING)
			from_die(&doc, bn < 0 ? b : bn, name, "a regression has no \"benchmark\" name");
		struct strbuf type = STRBUF_INIT;
		json_string_sb(&doc, bn, &type);
		int params = json_obj_get(&doc, b, "params");
		if (params >= 0 && json_type(&doc, params) == JSMN_OBJECT && json_size(&doc, params) > 0) {
			sb_addc(&type, '(');
			for (int k = json_first(&doc, params); k >= 0; k = json_next(&doc, params, k)) {
				if (k != json_first(&doc, params))
					sb_addc(&type, ',');
				json_string_sb(&doc, k, &type);
				sb_addc(&type, '=');
				if (json_type(&doc, k + 1) == JSMN_STRING)
					json_string_sb(&doc, k + 1, &type);
				else
					sb_add(&type, doc.src + doc.tok[k + 1].start,
					       (size_t)(doc.tok[k + 1].end - doc.tok[k + 1].start));
			}
			sb_addc(&type, ')');
		} else if (params >= 0 && json_type(&doc, params) != JSMN_OBJECT) {
			from_die(&doc, params, name, "\"params\" is not an object");
		}
		int metric = json_obj_get(&doc, b, "metric");
		if (metric >= 0 && json_type(&doc, metric) == JSMN_STRING &&
		    !json_str_eq(&doc, metric, "primary")) {
			sb_addc(&type, ':');
			json_string_sb(&doc, metric, &type);
		}
		double baseline = from_number(&doc, b, "baseline", name);
		double current = from_number(&doc, b, "current", name);
		char *t = sb_detach(&type, NULL);
		check_type(t);
		double change = baseline != 0 ? (current - baseline) / fabs(baseline) * 100.0 : NAN;
		int cp = json_obj_get(&doc, b, "change_percent");
		double given;
		if (cp >= 0 && !json_is_null(&doc, cp) && json_number(&doc, cp, &given) == 0 && isfinite(given))
			change = given;
		regression_add(r, t, severity_for(r, change), current, baseline);
	}
	json_free(&doc);
	free(buf);
}

/* ---- the marker ---- */

/* The type as the marker writes it: anything that could end the HTML
 * comment or confuse a search is percent-encoded. */
static char *marker_encode(const char *type)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "");
	for (const unsigned char *p = (const unsigned char *)type; *p; p++) {
		if (isalnum(*p) || strchr("._:/=(),+[]@", *p))
			sb_addc(&sb, (char)*p);
		else
			sb_addf(&sb, "%%%02X", *p);
	}
	return sb_detach(&sb, NULL);
}

/* The encoded type named by the marker in body, malloc'd, or NULL. */
static char *marker_find(const char *body)
{
	const char *m = body ? strstr(body, MARKER_OPEN) : NULL;
	if (!m)
		return NULL;
	m += strlen(MARKER_OPEN);
	const char *end = strstr(m, MARKER_CLOSE);
	if (!end)
		return NULL;
	return xstrndup(m, (size_t)(end - m));
}

/* ---- GitHub requests ---- */

/* Rate limits as GitHub documents them: a primary limit (remaining 0)
 * lifts at x-ratelimit-reset; a secondary one says retry-after, or else
 * asks for at least a minute.  Waits longer than --rate-limit-wait fail. */
static long github_retry(const struct http_request *req, struct http_response *resp,
			 long backoff_ms, void *ctx)
{
	const struct respond *r = ctx;
	long limit_ms = r->rate_limit_wait_s * 1000;
	if (resp->status == 403 || resp->status == 429) {
		char *remaining = http_header(resp, "x-ratelimit-remaining");
		char *reset = http_header(resp, "x-ratelimit-reset");
		char *after = http_header(resp, "retry-after");
		long wait = -1;
		bool limited = false;
		if (after) {
			limited = true;
			wait = http_parse_retry_after(after, (long long)time(NULL));
			if (wait > limit_ms)
				snprintf(resp->error, sizeof resp->error,
					 "GitHub's secondary rate limit asks to wait %ld s, more than the %ld s allowed (--rate-limit-wait)",
					 wait / 1000, r->rate_limit_wait_s);
		} else if (remaining && !strcmp(remaining, "0")) {
			limited = true;
			char *end;
			long long at = reset ? strtoll(reset, &end, 10) : 0;
			if (!reset || end == reset || *end) {
				snprintf(resp->error, sizeof resp->error,
					 "GitHub's rate limit is exhausted and its reset time is unknown");
				wait = LONG_MAX;
			} else {
				long long secs = at - (long long)time(NULL) + 1;
				if (secs < 0)
					secs = 0;
				wait = secs > LONG_MAX / 1000 ? LONG_MAX : (long)(secs * 1000);
				if (wait > limit_ms) {
					char when[TIME_RFC3339_LEN];
					time_format_rfc3339((time_t)at, when, sizeof when);
					snprintf(resp->error, sizeof resp->error,
						 "GitHub's rate limit is exhausted until %s, %lld s away, more than the %ld s allowed (--rate-limit-wait)",
						 when, secs, r->rate_limit_wait_s);
				}
			}
		} else if (strcasestr_ascii(resp->body.buf, "secondary rate limit")) {
			limited = true;
			wait = 60000;
			if (wait > limit_ms)
				snprintf(resp->error, sizeof resp->error,
					 "GitHub's secondary rate limit asks to wait a minute, more than the %ld s allowed (--rate-limit-wait)",
					 r->rate_limit_wait_s);
		}
		free(remaining);
		free(reset);
		free(after);
		if (!limited)
			return -1;
		if (wait < 0)
			wait = backoff_ms;
		if (wait > limit_ms)
			return -1;
		info("rate limited (HTTP %ld): waiting %ld s", resp->status, (wait + 999) / 1000);
		return wait;
	}
	return http_retry_default(req, resp, backoff_ms, NULL);
}

/* A message for a failed answer: GitHub's own "message" and the first of
 * its "errors", or the transport failure. */
static char *github_error(const struct http_response *resp)
{
	if (resp->result < 0 || resp->status == 0)
		return xstrdup(resp->error);
	if (resp->error[0] && strstr(resp->error, "rate limit"))
		return xstrdup(resp->error);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "GitHub answered HTTP %ld", resp->status);
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	if (resp->body.len &&
	    json_parse(&doc, resp->body.buf, resp->body.len, NULL, "answer", 0, &err) == 0 &&
	    json_type(&doc, 0) == JSMN_OBJECT) {
		int m = json_obj_get(&doc, 0, "message");
		if (m >= 0 && json_type(&doc, m) == JSMN_STRING) {
			sb_adds(&sb, ": ");
			json_string_sb(&doc, m, &sb);
		}
		int e = json_obj_get(&doc, 0, "errors");
		if (e >= 0 && json_type(&doc, e) == JSMN_ARRAY && json_size(&doc, e) > 0) {
			int first = json_first(&doc, e);
			int em = json_type(&doc, first) == JSMN_OBJECT ? json_obj_get(&doc, first, "message") : -1;
			int code = json_type(&doc, first) == JSMN_OBJECT ? json_obj_get(&doc, first, "code") : -1;
			int field = json_type(&doc, first) == JSMN_OBJECT ? json_obj_get(&doc, first, "field") : -1;
			if (em >= 0 && json_type(&doc, em) == JSMN_STRING) {
				sb_adds(&sb, " (");
				json_string_sb(&doc, em, &sb);
				sb_addc(&sb, ')');
			} else if (code >= 0 && json_type(&doc, code) == JSMN_STRING) {
				sb_adds(&sb, " (");
				json_string_sb(&doc, code, &sb);
				if (field >= 0 && json_type(&doc, field) == JSMN_STRING) {
					sb_adds(&sb, " field ");
					json_string_sb(&doc, field, &sb);
				}
				sb_addc(&sb, ')');
			}
		}
	}
	json_free(&doc);
	return sb_detach(&sb, NULL);
}

/* One request to the API.  Returns 0 on a 2xx/3xx answer (resp kept for
 * the caller to free), or -1 with *errmsg set (malloc'd) and resp freed. */
static int github_call(struct respond *r, const char *method, const char *url,
		       const char *body, struct http_response *resp, char **errmsg)
{
	const char *headers[] = {
		"Accept: application/vnd.github+json",
		"X-GitHub-Api-Version: 2022-11-28",
		r->auth_header,
		body ? "Content-Type: application/json" : NULL,
		NULL,
	};
	struct http_request req = {
		.method = method, .url = url, .headers = headers,
		.body = body, .body_len = body ? strlen(body) : 0,
		.timeout_ms = r->timeout_ms, .retries = r->retries,
		.max_retry_after_ms = r->rate_limit_wait_s * 1000,
		.retry_policy = github_retry, .retry_ctx = r,
	};
	info("%s %s", method, url);
	int rc = http_perform(&req, resp);
	if (rc == 0)
		return 0;
	*errmsg = github_error(resp);
	http_response_free(resp);
	return -1;
}

/* The rel="next" target of a Link header, malloc'd, or NULL. */
static char *link_next(const char *link)
{
	const char *p = link;
	while (p && (p = strchr(p, '<'))) {
		const char *end = strchr(p, '>');
		if (!end)
			return NULL;
		const char *params = end + 1, *stop = strchr(params, '<');
		size_t plen = stop ? (size_t)(stop - params) : strlen(params);
		char *pcopy = xstrndup(params, plen);
		bool next = strstr(pcopy, "rel=\"next\"") || strstr(pcopy, "rel=next");
		free(pcopy);
		if (next)
			return xstrndup(p + 1, (size_t)(end - p - 1));
		p = end + 1;
	}
	return NULL;
}

static int issues_parse_page(struct respond *r, const struct http_response *resp, char **errmsg)
{
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	if (json_parse(&doc, resp->body.buf, resp->body.len, NULL, "answer", 0, &err) != 0 ||
	    json_type(&doc, 0) != JSMN_ARRAY) {
		json_free(&doc);
		*errmsg = xstrdup("GitHub's list of issues is not a JSON array");
		return -1;
	}
	for (int i = json_first(&doc, 0); i >= 0; i = json_next(&doc, 0, i)) {
		if (json_type(&doc, i) != JSMN_OBJECT || json_obj_get(&doc, i, "pull_request") >= 0)
			continue;
		int num = json_obj_get(&doc, i, "number");
		int url = json_obj_get(&doc, i, "html_url");
		int body = json_obj_get(&doc, i, "body");
		double n;
		if (num < 0 || json_number(&doc, num, &n) != 0 || body < 0 ||
		    json_type(&doc, body) != JSMN_STRING)
			continue;
		char *text = json_string(&doc, body);
		char *marker = marker_find(text);
		free(text);
		if (!marker)
			continue;
		GROW(r->issues, r->issues_alloc, r->nissues + 1);
		struct known_issue *k = &r->issues[r->nissues++];
		k->number = (long)n;
		k->html_url = url >= 0 ? json_string(&doc, url) : NULL;
		k->marker = marker;
	}
	json_free(&doc);
	return 0;
}

/* Fetch the open performance regression issues, every page up to a bound. */
static int issues_load(struct respond *r, char **errmsg)
{
	if (r->issues_loaded)
		return 0;
	char *url = xasprintf("%s/repos/%s/issues?state=open&labels=performance,regression&per_page=100",
			      r->api, r->repo);
	char *origin = xasprintf("%s/", r->api);
	int pages = 0, rc = 0;
	while (url) {
		if (++pages > ISSUE_PAGES_MAX) {
			warn("more than %d pages of open regression issues: looked at the first %d only",
			     ISSUE_PAGES_MAX, ISSUE_PAGES_MAX);
			break;
		}
		struct http_response resp;
		char *err = NULL;
		if (github_call(r, "GET", url, NULL, &resp, &err) != 0) {
			*errmsg = xasprintf("cannot list the open issues of %s: %s", r->repo, err);
			free(err);
			rc = -1;
			break;
		}
		if (issues_parse_page(r, &resp, &err) != 0) {
			*errmsg = err;
			http_response_free(&resp);
			rc = -1;
			break;
		}
		char *link = http_header(&resp, "link");
		char *next = link ? link_next(link) : NULL;
		free(link);
		http_response_free(&resp);
		free(url);
		url = NULL;
		if (next && strncmp(next, origin, strlen(origin))) {
			warn("ignoring a next page outside %s", r->api);
			free(next);
			next = NULL;
		}
		url = next;
	}
	free(url);
	free(origin);
	if (rc == 0)
		r->issues_loaded = true;
	return rc;
}

static const struct known_issue *issue_for(const struct respond *r, const char *marker)
{
	for (size_t i = 0; i < r->nissues; i++)
		if (!strcmp(r->issues[i].marker, marker))
			return &r->issues[i];
	return NULL;
}

static int default_branch_load(struct respond *r, char **errmsg)
{
	if (r->default_branch)
		return 0;
	char *url = xasprintf("%s/repos/%s", r->api, r->repo);
	struct http_response resp;
	char *err = NULL;
	int rc = github_call(r, "GET", url, NULL, &resp, &err);
	free(url);
	if (rc != 0) {
		*errmsg = xasprintf("cannot read the default branch of %s: %s", r->repo, err);
		free(err);
		return -1;
	}
	struct json_doc doc;
	struct json_error jerr;
	json_init(&doc);
	int b = -1;
	if (json_parse(&doc, resp.body.buf, resp.body.len, NULL, "answer", 0, &jerr) == 0 &&
	    json_type(&doc, 0) == JSMN_OBJECT)
		b = json_obj_get(&doc, 0, "default_branch");
	if (b >= 0 && json_type(&doc, b) == JSMN_STRING)
		r->default_branch = json_string(&doc, b);
	json_free(&doc);
	http_response_free(&resp);
	if (!r->default_branch || !*r->default_branch) {
		*errmsg = xasprintf("GitHub's answer for %s names no default branch", r->repo);
		return -1;
	}
	return 0;
}

/* ---- the texts ---- */

static void fmt_value(char *buf, size_t size, double v)
{
	json_format_double(buf, size, v);
}

static void fmt_change(char *buf, size_t size, double change)
{
	if (isnan(change))
		snprintf(buf, size, "n/a (baseline 0)");
	else
		snprintf(buf, size, "%+.2f%%", change);
}

static char *title_for(const struct regression *g)
{
	switch (g->severity) {
	case SEV_CRITICAL: return xasprintf("CRITICAL: Performance Regression in %s", g->type);
	case SEV_HIGH: return xasprintf("HIGH: Performance Regression in %s", g->type);
	default: return xasprintf("Performance Regression in %s", g->type);
	}
}

static void labels_for(enum severity s, struct jsonw *w)
{
	jw_arr_begin(w);
	if (s == SEV_CRITICAL)
		jw_str(w, "critical");
	else if (s == SEV_HIGH)
		jw_str(w, "high-priority");
	jw_str(w, "performance");
	jw_str(w, "regression");
	jw_arr_end(w);
}

/* The type inside a Markdown code span: backticks would end it. */
static void md_code(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '`');
	for (; *s; s++)
		sb_addc(sb, *s == '`' ? '\'' : *s);
	sb_addc(sb, '`');
}

static char *ci_run_url(void)
{
	const char *server = getenv("GITHUB_SERVER_URL");
	const char *repo = getenv("GITHUB_REPOSITORY");
	const char *run = getenv("GITHUB_RUN_ID");
	if (!server || !*server || !repo || !*repo || !run || !*run)
		return NULL;
	size_t sl = strlen(server);
	while (sl && server[sl - 1] == '/')
		sl--;
	return xasprintf("%.*s/%s/actions/runs/%s", (int)sl, server, repo, run);
}

static void facts_table(struct strbuf *sb, const struct regression *g)
{
	char cur[32], base[32], change[48], when[TIME_RFC3339_LEN];
	fmt_value(cur, sizeof cur, g->current);
	fmt_value(base, sizeof base, g->baseline);
	fmt_change(change, sizeof change, g->change);
	time_format_rfc3339(time_now(), when, sizeof when);
	sb_adds(sb, "| | |\n|---|---|\n| Metric | ");
	md_code(sb, g->type);
	sb_addf(sb, " |\n| Baseline | %s |\n| Current | %s |\n| Change | %s |\n"
		"| Severity | %s |\n| Detected | %s |\n",
		base, cur, change, severity_names[g->severity], when);
	char *run = ci_run_url();
	if (run)
		sb_addf(sb, "| CI run | %s |\n", run);
	free(run);
}

static void rollback_text(struct strbuf *sb, const struct respond *r, const struct regression *g)
{
	if (g->severity != SEV_CRITICAL)
		return;
	if (!r->production) {
		sb_adds(sb, "\nNo automatic rollback: `ENVIRONMENT` is not `production`.\n");
	} else if (r->rollback_state && !strcmp(r->rollback_state, "dispatched")) {
		sb_addf(sb, "\n**Rollback dispatched:** the `%s` workflow was started on `%s` "
			"because this is a critical regression in production.\n",
			r->workflow, r->rollback_ref);
	} else {
		sb_addf(sb, "\n**Rollback failed:** dispatching the `%s` workflow did not work (%s). "
			"Roll back by hand.\n", r->workflow,
			r->rollback_error ? r->rollback_error : "unknown error");
	}
}

static const char *const advice[] = {
	"Critical: investigate immediately. Find the change that caused it "
	"(`perf bisect` lists the likely commits), then fix or revert it.",
	"High: investigate soon. Compare the benchmark's history and the commits "
	"since the baseline (`perf bisect`) and assign an owner.",
	"Medium: investigate within the usual SLA. Confirm it with another run, "
	"then track it down with `perf bisect`.",
};

static const char *const summaries[] = {
	"Automated detection of a critical performance regression.",
	"Performance degradation detected requiring investigation.",
	"Performance degradation detected.",
};

static char *issue_body(const struct respond *r, const struct regression *g, const char *marker)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s\n\n", summaries[g->severity]);
	facts_table(&sb, g);
	rollback_text(&sb, r, g);
	sb_addf(&sb, "\n### What to do\n\n%s\n\n", advice[g->severity]);
	sb_adds(&sb, "Later detections of this regression are added as comments while this issue is open.\n\n");
	sb_adds(&sb, "_Opened by perfsuite (perf respond)._\n\n");
	sb_addf(&sb, MARKER_OPEN "%s" MARKER_CLOSE "\n", marker);
	return sb_detach(&sb, NULL);
}

static char *comment_body(const struct respond *r, const struct regression *g)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "Detected again (severity %s).\n\n", severity_names[g->severity]);
	facts_table(&sb, g);
	rollback_text(&sb, r, g);
	return sb_detach(&sb, NULL);
}

static char *json_body_issue(const char *title, const char *body, enum severity s)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;
	jw_init_sb(&w, &sb, false);
	jw_obj_begin(&w);
	jw_key(&w, "title");
	jw_str(&w, title);
	jw_key(&w, "body");
	jw_str(&w, body);
	jw_key(&w, "labels");
	labels_for(s, &w);
	jw_obj_end(&w);
	return sb_detach(&sb, NULL);
}

static char *json_body_one(const char *key, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;
	jw_init_sb(&w, &sb, false);
	jw_obj_begin(&w);
	jw_key(&w, key);
	jw_str(&w, value);
	jw_obj_end(&w);
	return sb_detach(&sb, NULL);
}

/* ---- dry run ---- */

static void dry_print(const struct respond *r, const char *method, const char *url, const char *body)
{
	FILE *fp = r->format == FMT_JSON ? stderr : stdout;
	fprintf(fp, "%s %s\n", method, url);
	fputs("Accept: application/vnd.github+json\nX-GitHub-Api-Version: 2022-11-28\n", fp);
	fprintf(fp, "Authorization: Bearer %s\n", r->token ? "***" : "(no token set)");
	if (body)
		fprintf(fp, "Content-Type: application/json\n\n%s\n", body);
	fputc('\n', fp);
}

/* ---- one regression ---- */

static bool wants_rollback(const struct respond *r, const struct regression *g)
{
	return g->severity == SEV_CRITICAL && r->production;
}

static void rollback_dispatch(struct respond *r)
{
	if (r->rollback_state)
		return;         /* once per run, however many critical regressions */
	char *err = NULL;
	r->rollback_state = "failed";
	if (r->ref) {
		r->rollback_ref = xstrdup(r->ref);
	} else if (default_branch_load(r, &err) == 0) {
		r->rollback_ref = xstrdup(r->default_branch);
	} else {
		r->rollback_error = err;
		error("cannot dispatch the rollback workflow: %s", err);
		return;
	}
	char *url = xasprintf("%s/repos/%s/actions/workflows/%s/dispatches", r->api, r->repo, r->workflow);
	char *body = json_body_one("ref", r->rollback_ref);
	struct http_response resp;
	if (github_call(r, "POST", url, body, &resp, &err) == 0) {
		r->rollback_state = "dispatched";
		http_response_free(&resp);
	} else {
		r->rollback_error = err;
		error("cannot dispatch the rollback workflow %s on %s: %s", r->workflow, r->rollback_ref, err);
	}
	free(url);
	free(body);
}

static int history_record(const struct respond *r, const struct regression *g, const char *issue_url)
{
	const char *path = history_path(r->history_path);
	char when[TIME_RFC3339_LEN];
	time_format_rfc3339(time_now(), when, sizeof when);
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;
	jw_init_sb(&w, &sb, false);
	jw_obj_begin(&w);
	jw_key(&w, "timestamp");
	jw_str(&w, when);
	jw_key(&w, "event");
	jw_str(&w, "regression");
	jw_key(&w, "type");
	jw_str(&w, g->type);
	jw_key(&w, "severity");
	jw_str(&w, severity_names[g->severity]);
	jw_key(&w, "current");
	jw_num(&w, g->current);
	jw_key(&w, "baseline");
	jw_num(&w, g->baseline);
	jw_key(&w, "issue_url");
	jw_str(&w, issue_url);
	jw_obj_end(&w);
	int rc = history_append(path, sb.buf);
	if (rc != 0)
		error("cannot append to the history file '%s': %s", path, strerror(errno));
	sb_release(&sb);
	return rc;
}

/* Respond to one regression.  Returns the exit status it earns. */
static int respond_one(struct respond *r, const struct regression *g, struct outcome *o)
{
	int status = PERF_EXIT_OK;
	char *marker = marker_encode(g->type);
	char *title = title_for(g);
	o->action = "failed";
	o->issue_number = 0;
	o->issue_url = NULL;
	o->rollback = "skipped";

	if (r->dry_run) {
		char *url = xasprintf("%s/repos/%s/issues?state=open&labels=performance,regression&per_page=100",
				      r->api, r->repo);
		dry_print(r, "GET", url, NULL);
		free(url);
		if (wants_rollback(r, g) && !r->rollback_state) {
			if (!r->ref) {
				url = xasprintf("%s/repos/%s", r->api, r->repo);
				dry_print(r, "GET", url, NULL);
				free(url);
			}
			/* The issue text as it would read once the dispatch worked. */
			r->rollback_state = "dispatched";
			r->rollback_ref = xstrdup(r->ref ? r->ref : "(the default branch)");
			url = xasprintf("%s/repos/%s/actions/workflows/%s/dispatches", r->api, r->repo, r->workflow);
			char *body = json_body_one("ref", r->rollback_ref);
			dry_print(r, "POST", url, body);
			free(body);
			free(url);
		}
		char *ibody = issue_body(r, g, marker);
		char *json = json_body_issue(title, ibody, g->severity);
		url = xasprintf("%s/repos/%s/issues", r->api, r->repo);
		dry_print(r, "POST", url, json);
		free(url);
		free(json);
		free(ibody);
		o->action = "dry-run";
		free(marker);
		free(title);
		return PERF_EXIT_OK;
	}

	char *err = NULL;
	if (issues_load(r, &err) != 0) {
		error("%s", err);
		free(err);
		err = NULL;
		status = PERF_EXIT_EXTERNAL;
		/* Without the list a new issue might duplicate an open one. */
		goto record;
	}
	if (wants_rollback(r, g)) {
		rollback_dispatch(r);
		o->rollback = r->rollback_state;
		if (strcmp(r->rollback_state, "dispatched"))
			status = PERF_EXIT_EXTERNAL;
	}
	const struct known_issue *known = issue_for(r, marker);
	struct http_response resp;
	if (known) {
		char *url = xasprintf("%s/repos/%s/issues/%ld/comments", r->api, r->repo, known->number);
		char *text = comment_body(r, g);
		char *body = json_body_one("body", text);
		if (github_call(r, "POST", url, body, &resp, &err) == 0) {
			o->action = "commented";
			o->issue_number = known->number;
			o->issue_url = known->html_url ? xstrdup(known->html_url) : NULL;
			http_response_free(&resp);
		} else {
			error("cannot comment on issue #%ld of %s: %s", known->number, r->repo, err);
			free(err);
			status = PERF_EXIT_EXTERNAL;
		}
		free(url);
		free(text);
		free(body);
	} else {
		char *url = xasprintf("%s/repos/%s/issues", r->api, r->repo);
		char *text = issue_body(r, g, marker);
		char *body = json_body_issue(title, text, g->severity);
		if (github_call(r, "POST", url, body, &resp, &err) == 0) {
			struct json_doc doc;
			struct json_error jerr;
			json_init(&doc);
			double n = 0;
			if (json_parse(&doc, resp.body.buf, resp.body.len, NULL, "answer", 0, &jerr) == 0 &&
			    json_type(&doc, 0) == JSMN_OBJECT) {
				int num = json_obj_get(&doc, 0, "number");
				int hu = json_obj_get(&doc, 0, "html_url");
				if (num >= 0 && json_number(&doc, num, &n) == 0)
					o->issue_number = (long)n;
				if (hu >= 0)
					o->issue_url = json_string(&doc, hu);
			}
			json_free(&doc);
			http_response_free(&resp);
			o->action = "created";
			if (!o->issue_number)
				warn("GitHub's answer to the new issue names no issue number");
			/* Later regressions of this run comment on it. */
			GROW(r->issues, r->issues_alloc, r->nissues + 1);
			struct known_issue *k = &r->issues[r->nissues++];
			k->number = o->issue_number;
			k->html_url = o->issue_url ? xstrdup(o->issue_url) : NULL;
			k->marker = xstrdup(marker);
		} else {
			error("cannot create an issue in %s: %s", r->repo, err);
			free(err);
			status = PERF_EXIT_EXTERNAL;
		}
		free(url);
		free(text);
		free(body);
	}
record:
	if (r->history && history_record(r, g, o->issue_url) != 0 && status == PERF_EXIT_OK)
		status = PERF_EXIT_TROUBLE;
	free(marker);
	free(title);
	return status;
}

/* ---- reports ---- */

static void report_text(const struct respond *r, const struct regression *g, const struct outcome *o)
{
	char cur[32], base[32], change[48];
	fmt_value(cur, sizeof cur, g->current);
	fmt_value(base, sizeof base, g->baseline);
	fmt_change(change, sizeof change, g->change);
	printf("Performance regression detected:\nType: %s\nSeverity: %s\nCurrent: %s\nBaseline: %s\nChange: %s\n",
	       g->type, severity_names[g->severity], cur, base, change);
	if (!strcmp(o->action, "created"))
		printf("Issue: created #%ld %s\n", o->issue_number, o->issue_url ? o->issue_url : "");
	else if (!strcmp(o->action, "commented"))
		printf("Issue: commented on #%ld %s\n", o->issue_number, o->issue_url ? o->issue_url : "");
	else if (!strcmp(o->action, "dry-run"))
		printf("Issue: none (dry run)\n");
	else
		printf("Issue: failed\n");
	if (g->severity == SEV_CRITICAL)
		printf("Rollback: %s%s\n", r->dry_run && wants_rollback(r, g) ? "would be dispatched" : o->rollback,
		       !r->production ? " (ENVIRONMENT is not production)" : "");
}

static void report_json_one(struct jsonw *w, const struct regression *g, const struct outcome *o,
			    bool with_regression)
{
	jw_obj_begin(w);
	if (with_regression) {
		jw_key(w, "type");
		jw_str(w, g->type);
		jw_key(w, "severity");
		jw_str(w, severity_names[g->severity]);
	}
	jw_key(w, "action");
	jw_str(w, o->action);
	jw_key(w, "issue_number");
	if (o->issue_number)
		jw_int(w, o->issue_number);
	else
		jw_null(w);
	jw_key(w, "issue_url");
	jw_str(w, o->issue_url);
	jw_key(w, "rollback");
	jw_str(w, o->rollback);
	jw_obj_end(w);
}

static void respond_free(struct respond *r)
{
	for (size_t i = 0; i < r->nissues; i++) {
		free(r->issues[i].html_url);
		free(r->issues[i].marker);
	}
	free(r->issues);
	for (size_t i = 0; i < r->nregs; i++)
		free(r->regs[i].type);
	free(r->regs);
	free(r->default_branch);
	free(r->rollback_error);
	free(r->rollback_ref);
	free(r->auth_header);
}

int cmd_respond(int argc, char **argv)
{
	enum {
		OPT_CRITICAL_ABOVE = 256, OPT_HIGH_ABOVE, OPT_ROLLBACK_WORKFLOW, OPT_REF,
		OPT_HISTORY, OPT_NO_HISTORY, OPT_TIMEOUT, OPT_RETRIES, OPT_RATE_LIMIT_WAIT,
	};
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "critical-above", required_argument, NULL, OPT_CRITICAL_ABOVE },
		{ "high-above", required_argument, NULL, OPT_HIGH_ABOVE },
		{ "repo", required_argument, NULL, 'R' },
		{ "rollback-workflow", required_argument, NULL, OPT_ROLLBACK_WORKFLOW },
		{ "ref", required_argument, NULL, OPT_REF },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "rate-limit-wait", required_argument, NULL, OPT_RATE_LIMIT_WAIT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct respond r = {
		.format = FMT_TEXT, .history = true, .critical_above = 25, .high_above = 10,
		.workflow = "emergency-rollback.yml", .timeout_ms = 30000, .retries = 3,
		.rate_limit_wait_s = 60,
	};
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":F:R:nf:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'F': r.from = optarg; break;
		case OPT_CRITICAL_ABOVE: r.critical_above = parse_percent("--critical-above", optarg); break;
		case OPT_HIGH_ABOVE: r.high_above = parse_percent("--high-above", optarg); break;
		case 'R': r.repo = optarg; break;
		case OPT_ROLLBACK_WORKFLOW: r.workflow = optarg; break;
		case OPT_REF:
			if (!*optarg)
				die(PERF_EXIT_TROUBLE, "the --ref value is empty");
			r.ref = optarg;
			break;
		case OPT_HISTORY: r.history_path = optarg; r.history = true; break;
		case OPT_NO_HISTORY: r.history = false; break;
		case 'n': r.dry_run = true; break;
		case 'f': {
			static const char *const formats[] = { "text", "json" };   /* enum format */
			r.format = (enum format)opt_keyword("format", optarg, formats, ARRAY_SIZE(formats));
			break;
		}
		case OPT_TIMEOUT:
			r.timeout_ms = parse_count("--timeout", optarg, 1, 3600) * 1000;
			break;
		case OPT_RETRIES: r.retries = (int)parse_count("--retries", optarg, 0, 10); break;
		case OPT_RATE_LIMIT_WAIT:
			r.rate_limit_wait_s = parse_count("--rate-limit-wait", optarg, 0, 3600);
			break;
		case 'q': msg_verbosity = -1; break;
		case 'v': msg_verbosity++; break;
		case 'h':
			fputs(respond_usage, stdout);
			return PERF_EXIT_OK;
		case ':':
			die(PERF_EXIT_TROUBLE, "option '%s' needs a value; see 'perf respond --help'", argv[optind - 1]);
		default:
			if (optopt)
				die(PERF_EXIT_TROUBLE, "unknown option '-%c'; see 'perf respond --help'", optopt);
			die(PERF_EXIT_TROUBLE, "unknown option '%s'; see 'perf respond --help'", argv[optind - 1]);
		}
	}
	int nargs = argc - optind;
	if (r.from && nargs)
		die(PERF_EXIT_TROUBLE, "--from takes no TYPE SEVERITY CURRENT BASELINE arguments; see 'perf respond --help'");
	if (!r.from && nargs != 4)
		die(PERF_EXIT_TROUBLE, "expected TYPE SEVERITY CURRENT BASELINE, got %d argument%s; see 'perf respond --help'",
		    nargs, nargs == 1 ? "" : "s");
	if (r.high_above > r.critical_above)
		die(PERF_EXIT_TROUBLE, "--high-above (%g) is above --critical-above (%g)", r.high_above, r.critical_above);
	if (!workflow_name_ok(r.workflow))
		die(PERF_EXIT_TROUBLE, "invalid --rollback-workflow '%s': expected a workflow file name or id", r.workflow);

	/* The input first: a bad severity or value is the thing to say, even
	 * when the repository or token is missing too. */
	if (r.from) {
		from_load(&r, r.from);
	} else {
		check_type(argv[optind]);
		enum severity sev = parse_severity(argv[optind + 1]);
		double current = parse_value("CURRENT value", argv[optind + 2]);
		double baseline = parse_value("BASELINE value", argv[optind + 3]);
		regression_add(&r, xstrdup(argv[optind]), sev, current, baseline);
	}

	if (!r.repo || !*r.repo)
		r.repo = getenv("GITHUB_REPOSITORY");
	if (!r.repo || !*r.repo)
		die(PERF_EXIT_TROUBLE, "no repository: give --repo OWNER/NAME or set GITHUB_REPOSITORY");
	if (!repo_name_ok(r.repo))
		die(PERF_EXIT_TROUBLE, "invalid repository '%s': expected OWNER/NAME", r.repo);

	const char *api = getenv("GITHUB_API_URL");
	if (!api || !*api)
		api = "https://api.github.com";
	if (strncmp(api, "https://", 8) && strncmp(api, "http://", 7))
		die(PERF_EXIT_TROUBLE, "invalid GITHUB_API_URL: expected an http:// or https:// URL");
	char *api_copy = xstrdup(api);
	size_t al = strlen(api_copy);
	while (al > 8 && api_copy[al - 1] == '/')
		api_copy[--al] = '\0';
	r.api = api_copy;

	r.token = getenv("GITHUB_TOKEN");
	if (!r.token || !*r.token)
		r.token = getenv("GH_TOKEN");
	if (r.token && !*r.token)
		r.token = NULL;
	if (r.token && !token_ok(r.token))
		die(PERF_EXIT_TROUBLE, "the token in %s holds spaces or characters a token cannot have",
		    getenv("GITHUB_TOKEN") && *getenv("GITHUB_TOKEN") ? "GITHUB_TOKEN" : "GH_TOKEN");
	if (!r.token && !r.dry_run)
		die(PERF_EXIT_TROUBLE, "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN)");
	const char *env = getenv("ENVIRONMENT");
	r.production = env && !strcmp(env, "production");

	if (r.token)
		r.auth_header = xasprintf("Authorization: Bearer %s", r.token);
	if (!r.dry_run)
		http_global_init();

	struct jsonw w;
	if (r.format == FMT_JSON) {
		jw_init(&w, stdout, true);
		if (r.from)
			jw_arr_begin(&w);
	} else if (r.from && !r.nregs) {
		printf("No regressions in %s\n", strcmp(r.from, "-") ? r.from : "standard input");
	}
	int status = PERF_EXIT_OK;
	for (size_t i = 0; i < r.nregs; i++) {
		struct outcome o;
		int st = respond_one(&r, &r.regs[i], &o);
		if (st == PERF_EXIT_EXTERNAL || (st == PERF_EXIT_TROUBLE && status == PERF_EXIT_OK))
			status = st;
		if (r.format == FMT_JSON) {
			report_json_one(&w, &r.regs[i], &o, r.from != NULL);
		} else {
			if (i)
				putchar('\n');
			report_text(&r, &r.regs[i], &o);
		}
		free(o.issue_url);
		fflush(stdout);
	}
	if (r.format == FMT_JSON) {
		if (r.from)
			jw_arr_end(&w);
		jw_end(&w);
	}
	respond_free(&r);
	free(api_copy);
	return status;
}
