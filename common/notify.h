/* Alert notifications: the messages (Slack incoming webhook, RFC 5322
 * mail over SMTP, PagerDuty Events API v2, Alertmanager-style webhook) and
 * their concurrent delivery, with timeouts, retries and backoff honouring
 * Retry-After.
 *
 * Secrets (webhook URLs, keys, passwords) registered with
 * notify_add_secret() are scrubbed from every error text this module
 * makes; URLs are only ever shown as scheme, host and port, then "***". */
#ifndef PERF_NOTIFY_H
#define PERF_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

enum channel_kind { CH_SLACK, CH_EMAIL, CH_PAGERDUTY, CH_WEBHOOK, CH_COUNT };
extern const char *const channel_kind_names[CH_COUNT];

#define PAGERDUTY_EVENTS_URL "https://events.pagerduty.com/v2/enqueue"

struct notify_channel {
	enum channel_kind kind;
	char *url;             /* webhook_url, events_url, url, or the smtp(s):// URL */
	/* slack */
	char *slack_channel;   /* NULL: the webhook's own */
	/* email */
	char *from;
	char **recipients;
	size_t nrecipients;
	char *username, *password;
	bool tls_none;         /* tls: none */
	/* pagerduty */
	char *routing_key;
	char *source;
	/* webhook */
	char *receiver;
};

struct notify_label {
	const char *key, *value;
};

/* What one notification says about one alert. */
struct notify_alert {
	const char *rule;
	const char *metric;
	const char *severity;       /* critical, high, medium, low, info */
	const char *condition;      /* "less than 18", "increase of more than 10%" */
	double value;
	double baseline;            /* NAN without one */
	double threshold;
	double change_percent;      /* NAN without a baseline */
	bool resolved;
	time_t starts_at;           /* when it began firing */
	time_t ends_at;             /* when it resolved (resolved only) */
	time_t now;
	const struct notify_label *labels;  /* the rule's own labels */
	size_t nlabels;
	const char *description;    /* NULL for none */
};

/* How deliveries behave; zeros take the defaults. */
struct notify_options {
	long timeout_ms;            /* each attempt; 0 = 10000 */
	long connect_timeout_ms;    /* 0 = 5000 */
	int retries;                /* further attempts; -1 = 3 */
	long backoff_ms;            /* first delay, doubled; 0 = 500 */
	long max_retry_after_ms;    /* cap on Retry-After; 0 = 30000 */
};

/* One notification, built for a channel, and how its delivery went. */
struct notify_message {
	const struct notify_channel *ch;
	const char *rule;
	bool resolved;
	char *body;                 /* JSON, or the whole mail */
	size_t len;
	char *subject;              /* email */
	bool ok;
	long status;                /* HTTP status or SMTP reply of the last attempt */
	int attempts;
	char error[512];            /* why it failed; secrets scrubbed */
};

void notify_build(struct notify_message *m, const struct notify_channel *ch,
		  const struct notify_alert *a);
/* What --dry-run shows: channel, redacted target and the body with any
 * secret in it replaced. */
void notify_preview(FILE *fp, const struct notify_message *m);
/* Deliver all messages concurrently; returns the number that failed. */
/* Deliver all messages concurrently: the HTTP ones through
 * http_perform_many, the mails on a curl multi handle of their own in a
 * second thread.  Returns the number that failed. */
size_t notify_send_all(struct notify_message *m, size_t n, const struct notify_options *opt);
void notify_message_free(struct notify_message *m);

/* The SMTP URL for an smtp_server value: host (port 587), host:port,
 * smtp://... or smtps://...; NULL with *err set when unusable. */
char *notify_smtp_url(const char *server, const char **err);
/* Is the URL's host a loopback address (localhost, 127.0.0.0/8, ::1)? */
bool notify_url_is_loopback(const char *url);
/* PagerDuty's severity for ours: critical, error, warning, info. */
const char *notify_pagerduty_severity(const char *severity);

/* Remember a secret to scrub from error texts and previews; scrub one
 * string in place (each secret becomes "***"). */
void notify_add_secret(const char *s);
void notify_scrub(char *s, size_t size);
void notify_clear_secrets(void);

/* RFC 5322 date, e.g. "Fri, 04 Dec 2026 14:08:04 +0000". */
void notify_mail_date(time_t t, char *buf, size_t size);

#endif
