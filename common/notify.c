/* Alert notifications and their concurrent delivery: see notify.h.
 *
 * Stands on http.c (http_perform_many: the HTTP POSTs to Slack, PagerDuty
 * and webhooks, concurrently), libcurl directly for SMTP (its own multi
 * handle, in a second thread so that mail goes out alongside the HTTP
 * requests), jsonw.c for the payloads, timeutil.c and util.c. */
#include <config.h>

#include <ctype.h>
#include <pthread.h>
#include <curl/curl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "jsonw.h"
#include "msg.h"
#include "notify.h"
#include "timeutil.h"

const char *const channel_kind_names[CH_COUNT] = { "slack", "email", "pagerduty", "webhook" };

/* ---- secrets ---- */

static char **secrets;
static size_t nsecrets, secrets_alloc;

void notify_add_secret(const char *s)
{
	if (!s || strlen(s) < 4)
		return;
	for (size_t i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], s))
			return;
	GROW(secrets, secrets_alloc, nsecrets + 1);
	secrets[nsecrets++] = xstrdup(s);
}

void notify_clear_secrets(void)
{
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = secrets_alloc = 0;
}

void notify_scrub(char *s, size_t size)
{
	(void)size;
	for (size_t i = 0; i < nsecrets; i++) {
		size_t n = strlen(secrets[i]);
		char *p;
		while ((p = strstr(s, secrets[i]))) {
			/* Secrets are at least 4 bytes, so this only shortens s. */
			size_t rest = strlen(p + n);
			memcpy(p, "***", 3);
			memmove(p + 3, p + n, rest + 1);
		}
	}
}

static void scrub_sb(struct strbuf *sb)
{
	if (sb->buf) {
		notify_scrub(sb->buf, sb->alloc);
		sb->len = strlen(sb->buf);
	}
}

/* ---- SMTP addresses ---- */

static int url_host(const char *url, char *host, size_t size)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	const char *stop;
	if (*p == '[') {
		p++;
		stop = memchr(p, ']', (size_t)(end - p));
		if (!stop)
			return -1;
	} else {
		stop = memchr(p, ':', (size_t)(end - p));
		if (!stop)
			stop = end;
	}
	size_t n = (size_t)(stop - p);
	if (n == 0 || n >= size)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	return 0;
}

bool notify_url_is_loopback(const char *url)
{
	char host[256];
	if (url_host(url, host, sizeof host) != 0)
		return false;
	if (!strcasecmp(host, "localhost") || !strcmp(host, "::1"))
		return true;
	/* 127.0.0.0/8 written as an address, not a name that starts so. */
	int dots = 0;
	for (const char *p = host; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			return false;
	}
	return dots == 3 && !strncmp(host, "127.", 4);
}

char *notify_smtp_url(const char *server, const char **err)
{
	*err = NULL;
	if (!server || !*server) {
		*err = "is empty";
		return NULL;
	}
	if (!strncasecmp(server, "smtp://", 7) || !strncasecmp(server, "smtps://", 8))
		return xstrdup(server);
	if (strstr(server, "://")) {
		*err = "must be a host, host:port, or an smtp:// or smtps:// URL";
		return NULL;
	}
	for (const char *p = server; *p; p++)
		if (isspace((unsigned char)*p) || *p == '/' || *p == '@') {
			*err = "must be a host, host:port, or an smtp:// or smtps:// URL";
			return NULL;
		}
	const char *colon = strrchr(server, ':');
	bool has_port = colon && (server[0] != '[' || colon > strchr(server, ']'));
	if (has_port && strchr(server, ':') != colon && server[0] != '[')
		has_port = false;   /* a bare IPv6 address */
	if (has_port)
		return xasprintf("smtp://%s", server);
	if (strchr(server, ':') && server[0] != '[')
		return xasprintf("smtp://[%s]:587", server);
	return xasprintf("smtp://%s:587", server);
}

const char *notify_pagerduty_severity(const char *severity)
{
	if (!strcmp(severity, "critical"))
		return "critical";
	if (!strcmp(severity, "high"))
		return "error";
	if (!strcmp(severity, "medium"))
		return "warning";
	return "info";
}

void notify_mail_date(time_t t, char *buf, size_t size)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- message text ---- */

static void fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%.6g", v);
}

static void alert_summary(struct strbuf *sb, const struct notify_alert *a)
{
	char v[64], b[64];
	fmt_num(v, sizeof v, a->value);
	fmt_num(b, sizeof b, a->baseline);
	sb_addf(sb, "%s %s: %s is %s", a->resolved ? "RESOLVED" : "FIRING", a->rule, a->metric, v);
	if (!isnan(a->change_percent))
		sb_addf(sb, " (%+.1f%% from baseline %s)", a->change_percent, b);
	sb_addf(sb, ", alert on %s [%s]", a->condition, a->severity);
}

static void slack_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			sb_adds(sb, "&amp;");
		else if (*s == '<')
			sb_adds(sb, "&lt;");
		else if (*s == '>')
			sb_adds(sb, "&gt;");
		else
			sb_addc(sb, *s);
	}
}

static void slack_field(struct jsonw *w, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "*%s:*\n", name);
	slack_escape(&sb, value);
	jw_obj_begin(w);
	jw_key(w, "type");
	jw_str(w, "mrkdwn");
	jw_key(w, "text");
	jw_str(w, sb.buf);
	jw_obj_end(w);
	sb_release(&sb);
}

static void build_slack(struct strbuf *out, const struct notify_channel *ch, const struct notify_alert *a)
{
	struct strbuf sum = STRBUF_INIT, text = STRBUF_INIT, head = STRBUF_INIT;
	char v[64], b[64], ts[TIME_RFC3339_LEN];
	alert_summary(&sum, a);
	slack_escape(&text, sum.buf);
	fmt_num(v, sizeof v, a->value);
	fmt_num(b, sizeof b, a->baseline);
	time_format_rfc3339(a->now, ts, sizeof ts);
	sb_addf(&head, "%s %s", a->resolved ? "Resolved:" : "Performance alert:", a->rule);

	struct jsonw w;
	jw_init_sb(&w, out, false);
	jw_obj_begin(&w);
	if (ch->slack_channel) {
		jw_key(&w, "channel");
		jw_str(&w, ch->slack_channel);
	}
	jw_key(&w, "text");
	jw_str(&w, text.buf);
	jw_key(&w, "blocks");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "header");
	jw_key(&w, "text");
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "plain_text");
	jw_key(&w, "text");
	jw_str(&w, head.buf);
	jw_obj_end(&w);
	jw_obj_end(&w);

	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "section");
	jw_key(&w, "text");
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "mrkdwn");
	jw_key(&w, "text");
	jw_str(&w, text.buf);
	jw_obj_end(&w);
	jw_key(&w, "fields");
	jw_arr_begin(&w);
	slack_field(&w, "Metric", a->metric);
	slack_field(&w, "Value", v);
	slack_field(&w, "Baseline", b);
	slack_field(&w, "Condition", a->condition);
	slack_field(&w, "Severity", a->severity);
	slack_field(&w, "State", a->resolved ? "resolved" : "firing");
	jw_arr_end(&w);
	jw_obj_end(&w);

	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "context");
	jw_key(&w, "elements");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "mrkdwn");
	jw_key(&w, "text");
	struct strbuf ctx = STRBUF_INIT;
	sb_addf(&ctx, "perf alert at %s", ts);
	jw_str(&w, ctx.buf);
	sb_release(&ctx);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	sb_release(&sum);
	sb_release(&text);
	sb_release(&head);
}

static void custom_details(struct jsonw *w, const struct notify_alert *a)
{
	jw_obj_begin(w);
	jw_key(w, "rule");
	jw_str(w, a->rule);
	jw_key(w, "metric");
	jw_str(w, a->metric);
	jw_key(w, "value");
	jw_num(w, a->value);
	jw_key(w, "baseline");
	jw_num(w, a->baseline);
	jw_key(w, "threshold");
	jw_num(w, a->threshold);
	jw_key(w, "condition");
	jw_str(w, a->condition);
	jw_key(w, "change_percent");
	jw_num(w, a->change_percent);
	jw_key(w, "severity");
	jw_str(w, a->severity);
	for (size_t i = 0; i < a->nlabels; i++) {
		jw_key(w, a->labels[i].key);
		jw_str(w, a->labels[i].value);
	}
	jw_obj_end(w);
}

static void build_pagerduty(struct strbuf *out, const struct notify_channel *ch,
			    const struct notify_alert *a)
{
	struct jsonw w;
	char ts[TIME_RFC3339_LEN];
	struct strbuf sum = STRBUF_INIT, dedup = STRBUF_INIT;
	time_format_rfc3339(a->now, ts, sizeof ts);
	alert_summary(&sum, a);
	if (sum.len > 1024)
		sum.buf[sum.len = 1024] = '\0';
	sb_addf(&dedup, "perfsuite-%s", a->rule);
	jw_init_sb(&w, out, false);
	jw_obj_begin(&w);
	jw_key(&w, "routing_key");
	jw_str(&w, ch->routing_key);
	jw_key(&w, "event_action");
	jw_str(&w, a->resolved ? "resolve" : "trigger");
	jw_key(&w, "dedup_key");
	jw_str(&w, dedup.buf);
	if (!a->resolved) {
		jw_key(&w, "payload");
		jw_obj_begin(&w);
		jw_key(&w, "summary");
		jw_str(&w, sum.buf);
		jw_key(&w, "source");
		jw_str(&w, ch->source);
		jw_key(&w, "severity");
		jw_str(&w, notify_pagerduty_severity(a->severity));
		jw_key(&w, "timestamp");
		jw_str(&w, ts);
		jw_key(&w, "component");
		jw_str(&w, a->metric);
		jw_key(&w, "class");
		jw_str(&w, "performance");
		jw_key(&w, "custom_details");
		custom_details(&w, a);
		jw_obj_end(&w);
		jw_key(&w, "client");
		jw_str(&w, "perfsuite");
	}
	jw_obj_end(&w);
	sb_release(&sum);
	sb_release(&dedup);
}

/* Prometheus-style label set of an alert, sorted by name. */
struct kv {
	const char *k, *v;
};

static int kv_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct kv *)pa)->k, ((const struct kv *)pb)->k);
}

static size_t alert_labels(const struct notify_alert *a, struct kv **out)
{
	struct kv *l = xcalloc(a->nlabels + 3, sizeof *l);
	size_t n = 0;
	l[n++] = (struct kv){ "alertname", a->rule };
	l[n++] = (struct kv){ "severity", a->severity };
	l[n++] = (struct kv){ "metric", a->metric };
	for (size_t i = 0; i < a->nlabels; i++) {
		size_t j;
		for (j = 0; j < n; j++)
			if (!strcmp(l[j].k, a->labels[i].key))
				break;
		if (j == n)
			n++;
		l[j] = (struct kv){ a->labels[i].key, a->labels[i].value };
	}
	qsort(l, n, sizeof *l, kv_cmp);
	*out = l;
	return n;
}

/* Alertmanager's fingerprint is a 64-bit hash of the sorted label set,
 * printed as 16 hex digits; FNV-1a over name\xff value\xff is ours. */
static uint64_t labels_fingerprint(const struct kv *l, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		for (const char *p = l[i].k; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
		for (const char *p = l[i].v; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

/* Alertmanager's label set, and the start of an annotations object. */
static void write_labels(struct jsonw *w, const struct kv *l, size_t n)
{
	jw_obj_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_key(w, l[i].k);
		jw_str(w, l[i].v);
	}
	jw_obj_end(w);
}

static void write_summary(struct jsonw *w, const char *summary, const char *description)
{
	jw_key(w, "summary");
	jw_str(w, summary);
	if (description) {
		jw_key(w, "description");
		jw_str(w, description);
	}
}

static void build_webhook(struct strbuf *out, const struct notify_channel *ch,
			  const struct notify_alert *a)
{
	struct kv *l;
	size_t n = alert_labels(a, &l);
	struct strbuf sum = STRBUF_INIT, gk = STRBUF_INIT;
	char starts[TIME_RFC3339_LEN], ends[TIME_RFC3339_LEN], fp[17];
	alert_summary(&sum, a);
	time_format_rfc3339(a->starts_at, starts, sizeof starts);
	if (a->resolved)
		time_format_rfc3339(a->ends_at, ends, sizeof ends);
	else
		snprintf(ends, sizeof ends, "0001-01-01T00:00:00Z");
	snprintf(fp, sizeof fp, "%016llx", (unsigned long long)labels_fingerprint(l, n));
	sb_addf(&gk, "{}:{alertname=\"%s\"}", a->rule);
	const char *status = a->resolved ? "resolved" : "firing";

	struct jsonw w;
	jw_init_sb(&w, out, false);
	jw_obj_begin(&w);
	jw_key(&w, "version");
	jw_str(&w, "4");
	jw_key(&w, "groupKey");
	jw_str(&w, gk.buf);
	jw_key(&w, "truncatedAlerts");
	jw_int(&w, 0);
	jw_key(&w, "status");
	jw_str(&w, status);
	jw_key(&w, "receiver");
	jw_str(&w, ch->receiver);
	jw_key(&w, "groupLabels");
	jw_obj_begin(&w);
	jw_key(&w, "alertname");
	jw_str(&w, a->rule);
	jw_obj_end(&w);
	jw_key(&w, "commonLabels");
	write_labels(&w, l, n);
	jw_key(&w, "commonAnnotations");
	jw_obj_begin(&w);
	write_summary(&w, sum.buf, a->description);
	jw_obj_end(&w);
	jw_key(&w, "externalURL");
	jw_str(&w, "");
	jw_key(&w, "alerts");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "status");
	jw_str(&w, status);
	jw_key(&w, "labels");
	write_labels(&w, l, n);
	jw_key(&w, "annotations");
	jw_obj_begin(&w);
	write_summary(&w, sum.buf, a->description);
	char v[64];
	fmt_num(v, sizeof v, a->value);
	jw_key(&w, "value");
	jw_str(&w, v);
	fmt_num(v, sizeof v, a->baseline);
	jw_key(&w, "baseline");
	jw_str(&w, v);
	jw_obj_end(&w);
	jw_key(&w, "startsAt");
	jw_str(&w, starts);
	jw_key(&w, "endsAt");
	jw_str(&w, ends);
	jw_key(&w, "generatorURL");
	jw_str(&w, "");
	jw_key(&w, "fingerprint");
	jw_str(&w, fp);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	free(l);
	sb_release(&sum);
	sb_release(&gk);
}

/* A header value: no CR or LF, non-ASCII as an RFC 2047 encoded word. */
static void mail_header_text(struct strbuf *sb, const char *s)
{
	bool ascii = true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = false;
	if (ascii) {
		for (; *s; s++)
			sb_addc(sb, (*s == '\r' || *s == '\n') ? ' ' : *s);
		return;
	}
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sb_adds(sb, "=?UTF-8?B?");
	size_t n = strlen(s);
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0) |
			     (i + 2 < n ? u[i + 2] : 0);
		sb_addc(sb, b64[v >> 18 & 63]);
		sb_addc(sb, b64[v >> 12 & 63]);
		sb_addc(sb, i + 1 < n ? b64[v >> 6 & 63] : '=');
		sb_addc(sb, i + 2 < n ? b64[v & 63] : '=');
	}
	sb_adds(sb, "?=");
}

static void mail_body_line(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			sb_adds(sb, "\r\n");
		else if (*s != '\r')
			sb_addc(sb, *s);
	}
	sb_adds(sb, "\r\n");
}

static void build_email(struct notify_message *m, struct strbuf *out, const struct notify_channel *ch,
			const struct notify_alert *a)
{
	char date[64], ts[TIME_RFC3339_LEN], v[64], b[64], host[256];
	struct strbuf sum = STRBUF_INIT, line = STRBUF_INIT;
	notify_mail_date(a->now, date, sizeof date);
	time_format_rfc3339(a->now, ts, sizeof ts);
	fmt_num(v, sizeof v, a->value);
	fmt_num(b, sizeof b, a->baseline);
	alert_summary(&sum, a);
	const char *at = strrchr(ch->from, '@');
	snprintf(host, sizeof host, "%s", at && at[1] ? at + 1 : "localhost");
	host[strcspn(host, ">")] = '\0';

	m->subject = xasprintf("[%s] %s: %s (%s)", a->resolved ? "RESOLVED" : "FIRING",
			       a->rule, a->metric, a->severity);
	sb_addf(out, "Date: %s\r\n", date);
	sb_adds(out, "From: ");
	mail_header_text(out, ch->from);
	sb_adds(out, "\r\nTo: ");
	for (size_t i = 0; i < ch->nrecipients; i++) {
		if (i)
			sb_adds(out, ",\r\n ");
		mail_header_text(out, ch->recipients[i]);
	}
	sb_adds(out, "\r\nSubject: ");
	mail_header_text(out, m->subject);
	/* Unique per message: rule, time, state and the process. */
	sb_addf(out, "\r\nMessage-ID: <perfsuite.%lld.%ld.", (long long)a->now, (long)getpid());
	for (const char *p = a->rule; *p; p++)
		sb_addc(out, isalnum((unsigned char)*p) || *p == '-' || *p == '_' ? *p : '_');
	sb_addf(out, ".%s@%s>\r\n", a->resolved ? "resolved" : "firing", host);
	sb_adds(out, "MIME-Version: 1.0\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: 8bit\r\n"
		     "Auto-Submitted: auto-generated\r\n"
		     "X-Mailer: perfsuite\r\n"
		     "\r\n");
	mail_body_line(out, sum.buf);
	mail_body_line(out, "");
	sb_addf(&line, "Rule:      %s", a->rule);
	mail_body_line(out, line.buf);
	sb_reset(&line);
	sb_addf(&line, "Metric:    %s", a->metric);
	mail_body_line(out, line.buf);
	sb_reset(&line);
	sb_addf(&line, "Value:     %s", v);
	mail_body_line(out, line.buf);
	sb_reset(&line);
	sb_addf(&line, "Baseline:  %s", b);
	mail_body_line(out, line.buf);
	sb_reset(&line);
	sb_addf(&line, "Condition: %s", a->condition);
	mail_body_line(out, line.buf);
	sb_reset(&line);
	sb_addf(&line, "Severity:  %s", a->severity);
	mail_body_line(out, line.buf);
	sb_reset(&line);
	sb_addf(&line, "State:     %s", a->resolved ? "resolved" : "firing");
	mail_body_line(out, line.buf);
	for (size_t i = 0; i < a->nlabels; i++) {
		sb_reset(&line);
		sb_addf(&line, "Label:     %s=%s", a->labels[i].key, a->labels[i].value);
		mail_body_line(out, line.buf);
	}
	if (a->description) {
		mail_body_line(out, "");
		mail_body_line(out, a->description);
	}
	mail_body_line(out, "");
	sb_reset(&line);
	sb_addf(&line, "-- \nperf alert, %s", ts);
	mail_body_line(out, line.buf);
	sb_release(&sum);
	sb_release(&line);
}

void notify_build(struct notify_message *m, const struct notify_channel *ch,
		  const struct notify_alert *a)
{
	struct strbuf sb = STRBUF_INIT;
	memset(m, 0, sizeof *m);
	m->ch = ch;
	m->rule = a->rule;
	m->resolved = a->resolved;
	switch (ch->kind) {
	case CH_SLACK: build_slack(&sb, ch, a); break;
	case CH_PAGERDUTY: build_pagerduty(&sb, ch, a); break;
	case CH_WEBHOOK: build_webhook(&sb, ch, a); break;
	case CH_EMAIL: build_email(m, &sb, ch, a); break;
	case CH_COUNT: break;
	}
	m->body = sb_detach(&sb, &m->len);
}

void notify_preview(FILE *fp, const struct notify_message *m)
{
	char *target = http_redact_url(m->ch->url);
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, m->body, m->len);
	if (m->ch->kind == CH_PAGERDUTY && m->ch->routing_key) {
		/* Scrub the key even when too short to be registered. */
		char *p;
		while ((p = strstr(sb.buf, m->ch->routing_key)) && *m->ch->routing_key) {
			size_t n = strlen(m->ch->routing_key);
			struct strbuf t = STRBUF_INIT;
			sb_add(&t, sb.buf, (size_t)(p - sb.buf));
			sb_adds(&t, "***");
			sb_adds(&t, p + n);
			sb_release(&sb);
			sb = t;
		}
	}
	scrub_sb(&sb);
	fprintf(fp, "--- would send %s %s to %s\n", m->resolved ? "resolve" : "alert",
		channel_kind_names[m->ch->kind], target);
	if (m->ch->kind == CH_EMAIL) {
		fprintf(fp, "MAIL FROM:<%s>\n", m->ch->from);
		for (size_t i = 0; i < m->ch->nrecipients; i++)
			fprintf(fp, "RCPT TO:<%s>\n", m->ch->recipients[i]);
		/* Show the message with plain newlines. */
		for (const char *p = sb.buf; *p; p++)
			if (*p != '\r')
				fputc(*p, fp);
	} else {
		fputs(sb.buf, fp);
		fputc('\n', fp);
	}
	free(target);
	sb_release(&sb);
}

void notify_message_free(struct notify_message *m)
{
	free(m->body);
	free(m->subject);
	memset(m, 0, sizeof *m);
}


/* ---- delivery ---- */

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One mail on its way: the curl handle of the current attempt and when
 * the next one is due. */
struct smtp_xfer {
	struct notify_message *m;
	CURL *easy;
	struct curl_slist *rcpt;
	size_t upload_off;
	long long due_ms;
	bool done;
	char errbuf[CURL_ERROR_SIZE];
};

struct smtp_batch {
	struct smtp_xfer *x;
	size_t n;
	struct notify_options opt;
};

static size_t smtp_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct smtp_xfer *x = arg;
	size_t room = size * nmemb, left = x->m->len - x->upload_off;
	size_t n = left < room ? left : room;
	memcpy(buf, x->m->body + x->upload_off, n);
	x->upload_off += n;
	return n;
}

static size_t smtp_discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

static void smtp_start(struct smtp_xfer *x, CURLM *multi, const struct notify_options *opt)
{
	const struct notify_channel *ch = x->m->ch;
	CURL *e = curl_easy_init();
	if (!e)
		die(PERF_EXIT_EXTERNAL, "cannot initialise a libcurl handle");
	x->easy = e;
	x->upload_off = 0;
	x->errbuf[0] = '\0';
	x->m->attempts++;
	struct curl_slist *r = NULL;
	for (size_t i = 0; i < ch->nrecipients; i++)
		r = curl_slist_append(r, ch->recipients[i]);
	x->rcpt = r;
	bool tls = !ch->tls_none && !notify_url_is_loopback(ch->url);
	curl_easy_setopt(e, CURLOPT_URL, ch->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, ch->from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, r);
	/* STARTTLS is required unless the server is on this machine or the
	 * rules say tls: none; smtps:// is TLS from the start. */
	curl_easy_setopt(e, CURLOPT_USE_SSL, tls ? (long)CURLUSESSL_ALL :
			 ch->tls_none ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_TRY);
	if (ch->username) {
		curl_easy_setopt(e, CURLOPT_USERNAME, ch->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, ch->password);
	}
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(e, CURLOPT_READDATA, (void *)x);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->m->len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, smtp_discard);
	curl_multi_add_handle(multi, e);
}

static bool smtp_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
		return true;
	default:
		return false;
	}
}

/* After an attempt: done, or due again at x->due_ms.  SMTP 4xx replies
 * are transient by definition (RFC 5321 4.2.1), 5xx permanent. */
static void smtp_finish(struct smtp_xfer *x, CURLcode rc, const struct notify_options *opt)
{
	struct notify_message *m = x->m;
	long code = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	m->status = code;
	if (rc == CURLE_OK) {
		m->ok = true;
		x->done = true;
		return;
	}
	char *red = http_redact_url(m->ch->url);
	size_t el = strlen(x->errbuf);
	while (el && (x->errbuf[el - 1] == '\n' || x->errbuf[el - 1] == '\r'))
		x->errbuf[--el] = '\0';
	snprintf(m->error, sizeof m->error, "SMTP %s: %s%s%s%s", red, curl_easy_strerror(rc),
		 el ? " (" : "", x->errbuf, el ? ")" : "");
	if (code >= 400)
		snprintf(m->error + strlen(m->error), sizeof m->error - strlen(m->error),
			 ", server replied %ld", code);
	free(red);
	notify_scrub(m->error, sizeof m->error);
	bool retry = code >= 500 ? false : code >= 400 ? true : smtp_transient(rc);
	if (!retry || m->attempts > opt->retries) {
		x->done = true;
		return;
	}
	long delay = opt->backoff_ms;
	for (int i = 1; i < m->attempts && delay < 600000; i++)
		delay *= 2;
	x->due_ms = monotonic_ms() + delay;
}

static void *smtp_send_many(void *arg)
{
	struct smtp_batch *b = arg;
	CURLM *multi = curl_multi_init();
	if (!multi)
		die(PERF_EXIT_EXTERNAL, "cannot create a libcurl multi handle");
	size_t left = b->n;
	long long t0 = monotonic_ms();
	for (size_t i = 0; i < b->n; i++)
		b->x[i].due_ms = t0;
	while (left) {
		long long now = monotonic_ms(), next = now + 1000;
		bool active = false;
		for (size_t i = 0; i < b->n; i++) {
			struct smtp_xfer *x = &b->x[i];
			if (x->done)
				continue;
			if (!x->easy && x->due_ms <= now)
				smtp_start(x, multi, &b->opt);
			if (x->easy)
				active = true;
			else if (x->due_ms < next)
				next = x->due_ms;
		}
		int running;
		curl_multi_perform(multi, &running);
		CURLMsg *msg;
		int queued;
		while ((msg = curl_multi_info_read(multi, &queued))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct smtp_xfer *x = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			smtp_finish(x, msg->data.result, &b->opt);
			curl_multi_remove_handle(multi, x->easy);
			curl_easy_cleanup(x->easy);
			curl_slist_free_all(x->rcpt);
			x->easy = NULL;
			x->rcpt = NULL;
			if (x->done)
				left--;
		}
		if (!left)
			break;
		long wait = (long)(next - monotonic_ms());
		if (wait < 0)
			wait = 0;
		if (active) {
			curl_multi_poll(multi, NULL, 0, (int)wait, NULL);
		} else if (wait > 0) {
			struct timespec ts = { wait / 1000, (wait % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	curl_multi_cleanup(multi);
	return NULL;
}

size_t notify_send_all(struct notify_message *m, size_t n, const struct notify_options *given)
{
	struct notify_options opt = given ? *given : (struct notify_options){ .retries = -1 };
	if (!opt.timeout_ms)
		opt.timeout_ms = 10000;
	if (!opt.connect_timeout_ms)
		opt.connect_timeout_ms = 5000;
	if (opt.retries < 0)
		opt.retries = 3;
	if (!opt.backoff_ms)
		opt.backoff_ms = 500;
	if (!opt.max_retry_after_ms)
		opt.max_retry_after_ms = 30000;
	http_global_init();

	static const char *const json_headers[] = { "Content-Type: application/json", NULL };
	struct http_request *reqs = xcalloc(n + 1, sizeof *reqs);
	struct http_response *resps = xcalloc(n + 1, sizeof *resps);
	size_t *http_of = xcalloc(n + 1, sizeof *http_of);
	struct smtp_batch mail = { xcalloc(n + 1, sizeof *mail.x), 0, opt };
	size_t nh = 0;
	for (size_t i = 0; i < n; i++) {
		m[i].ok = false;
		m[i].attempts = 0;
		m[i].error[0] = '\0';
		if (m[i].ch->kind == CH_EMAIL) {
			mail.x[mail.n++].m = &m[i];
			continue;
		}
		struct http_request *r = &reqs[nh];
		r->method = "POST";
		r->url = m[i].ch->url;
		r->headers = json_headers;
		r->body = m[i].body;
		r->body_len = m[i].len;
		r->timeout_ms = opt.timeout_ms;
		r->connect_timeout_ms = opt.connect_timeout_ms;
		r->retries = opt.retries;
		r->backoff_ms = opt.backoff_ms;
		r->max_retry_after_ms = opt.max_retry_after_ms;
		r->max_body = 1 << 20;
		http_of[nh++] = i;
	}
	pthread_t th;
	bool threaded = false;
	if (mail.n && nh) {
		if (pthread_create(&th, NULL, smtp_send_many, &mail) == 0)
			threaded = true;
		else
			smtp_send_many(&mail);
	} else if (mail.n) {
		smtp_send_many(&mail);
	}
	if (nh)
		http_perform_many(reqs, resps, nh);
	if (threaded)
		pthread_join(th, NULL);

	size_t failed = 0;
	for (size_t j = 0; j < nh; j++) {
		struct notify_message *msg = &m[http_of[j]];
		msg->ok = resps[j].result == 0;
		msg->status = resps[j].status;
		msg->attempts = resps[j].attempts;
		snprintf(msg->error, sizeof msg->error, "%s", resps[j].error);
		notify_scrub(msg->error, sizeof msg->error);
		http_response_free(&resps[j]);
	}
	for (size_t i = 0; i < n; i++)
		if (!m[i].ok)
			failed++;
	free(mail.x);
	free(reqs);
	free(resps);
	free(http_of);
	return failed;
}
