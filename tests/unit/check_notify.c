/* Unit tests for common/notify.c: SMTP URLs, loopback detection, severity
 * mapping, mail dates, secret scrubbing and the four payloads. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "json.h"
#include "notify.h"

START_TEST(test_smtp_url)
{
	const char *err;
	char *u = notify_smtp_url("smtp.company.com", &err);
	ck_assert_str_eq(u, "smtp://smtp.company.com:587");
	free(u);
	u = notify_smtp_url("mail.example.org:2525", &err);
	ck_assert_str_eq(u, "smtp://mail.example.org:2525");
	free(u);
	u = notify_smtp_url("smtps://mail.example.org", &err);
	ck_assert_str_eq(u, "smtps://mail.example.org");
	free(u);
	u = notify_smtp_url("::1", &err);
	ck_assert_str_eq(u, "smtp://[::1]:587");
	free(u);
	u = notify_smtp_url("[::1]:25", &err);
	ck_assert_str_eq(u, "smtp://[::1]:25");
	free(u);
	ck_assert_ptr_null(notify_smtp_url("http://x", &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_null(notify_smtp_url("a b", &err));
	ck_assert_ptr_null(notify_smtp_url("", &err));
}
END_TEST

START_TEST(test_loopback)
{
	ck_assert(notify_url_is_loopback("smtp://127.0.0.1:25"));
	ck_assert(notify_url_is_loopback("smtp://localhost"));
	ck_assert(notify_url_is_loopback("smtp://user:pw@127.1.2.3:25/x"));
	ck_assert(notify_url_is_loopback("smtp://[::1]:25"));
	ck_assert(!notify_url_is_loopback("smtp://smtp.company.com:587"));
	ck_assert(!notify_url_is_loopback("smtp://127.0.0.1.evil.example:25"));
	ck_assert(!notify_url_is_loopback("smtp://localhost.evil.example:25"));
	ck_assert(!notify_url_is_loopback("smtp://10.0.0.1:25"));
}
END_TEST

START_TEST(test_severity_and_date)
{
	ck_assert_str_eq(notify_pagerduty_severity("critical"), "critical");
	ck_assert_str_eq(notify_pagerduty_severity("high"), "error");
	ck_assert_str_eq(notify_pagerduty_severity("medium"), "warning");
	ck_assert_str_eq(notify_pagerduty_severity("low"), "info");
	ck_assert_str_eq(notify_pagerduty_severity("info"), "info");
	char buf[64];
	notify_mail_date(1795392000, buf, sizeof buf);   /* 2026-11-23T00:00:00Z */
	ck_assert_str_eq(buf, "Mon, 23 Nov 2026 00:00:00 +0000");
}
END_TEST

START_TEST(test_scrub)
{
	notify_add_secret("hunter2secret");
	notify_add_secret("ab");   /* too short to scrub safely: ignored */
	char s[128] = "login hunter2secret failed (hunter2secret) ab";
	notify_scrub(s, sizeof s);
	ck_assert_str_eq(s, "login *** failed (***) ab");
	notify_clear_secrets();
	char t[64] = "hunter2secret";
	notify_scrub(t, sizeof t);
	ck_assert_str_eq(t, "hunter2secret");
}
END_TEST

static struct notify_alert sample_alert(bool resolved)
{
	static const struct notify_label labels[] = { { "team", "perf" } };
	struct notify_alert a = {
		.rule = "tps_degradation", .metric = "tps.average", .severity = "high",
		.condition = "less than 18", .value = 17.5, .baseline = 20, .threshold = 18,
		.change_percent = -12.5, .resolved = resolved, .starts_at = 1795392000,
		.ends_at = 1795395600, .now = 1795395600, .labels = labels, .nlabels = 1,
	};
	return a;
}

static int parse(struct json_doc *doc, const struct notify_message *m)
{
	struct json_error err;
	json_init(doc);
	return json_parse(doc, m->body, m->len, NULL, "payload", 0, &err);
}

static char *get_str(struct json_doc *doc, int obj, const char *key)
{
	int t = json_obj_get(doc, obj, key);
	ck_assert_int_ge(t, 0);
	return json_string(doc, t);
}

START_TEST(test_pagerduty_payload)
{
	struct notify_channel ch = { .kind = CH_PAGERDUTY, .url = "http://127.0.0.1/pd",
				     .routing_key = "R0UTINGKEY", .source = "host1" };
	struct notify_alert a = sample_alert(false);
	struct notify_message m;
	notify_build(&m, &ch, &a);
	struct json_doc doc;
	ck_assert_int_eq(parse(&doc, &m), 0);
	char *s = get_str(&doc, 0, "routing_key");
	ck_assert_str_eq(s, "R0UTINGKEY");
	free(s);
	s = get_str(&doc, 0, "event_action");
	ck_assert_str_eq(s, "trigger");
	free(s);
	s = get_str(&doc, 0, "dedup_key");
	ck_assert_str_eq(s, "perfsuite-tps_degradation");
	free(s);
	int p = json_obj_get(&doc, 0, "payload");
	s = get_str(&doc, p, "severity");
	ck_assert_str_eq(s, "error");
	free(s);
	s = get_str(&doc, p, "source");
	ck_assert_str_eq(s, "host1");
	free(s);
	json_free(&doc);
	notify_message_free(&m);

	a = sample_alert(true);
	notify_build(&m, &ch, &a);
	ck_assert_int_eq(parse(&doc, &m), 0);
	s = get_str(&doc, 0, "event_action");
	ck_assert_str_eq(s, "resolve");
	free(s);
	ck_assert_int_lt(json_obj_get(&doc, 0, "payload"), 0);
	json_free(&doc);
	notify_message_free(&m);
}
END_TEST

START_TEST(test_webhook_payload)
{
	struct notify_channel ch = { .kind = CH_WEBHOOK, .url = "http://127.0.0.1/hook", .receiver = "rx" };
	struct notify_alert a = sample_alert(false);
	struct notify_message m1, m2;
	notify_build(&m1, &ch, &a);
	a = sample_alert(true);
	notify_build(&m2, &ch, &a);
	struct json_doc d1, d2;
	ck_assert_int_eq(parse(&d1, &m1), 0);
	ck_assert_int_eq(parse(&d2, &m2), 0);
	char *s = get_str(&d1, 0, "version");
	ck_assert_str_eq(s, "4");
	free(s);
	int al1 = json_first(&d1, json_obj_get(&d1, 0, "alerts"));
	int al2 = json_first(&d2, json_obj_get(&d2, 0, "alerts"));
	char *f1 = get_str(&d1, al1, "fingerprint"), *f2 = get_str(&d2, al2, "fingerprint");
	ck_assert_uint_eq(strlen(f1), 16);
	ck_assert_str_eq(f1, f2);   /* the same alert firing and resolved */
	free(f1);
	free(f2);
	s = get_str(&d1, al1, "endsAt");
	ck_assert_str_eq(s, "0001-01-01T00:00:00Z");
	free(s);
	s = get_str(&d2, al2, "endsAt");
	ck_assert_str_eq(s, "2026-11-23T01:00:00Z");
	free(s);
	int labels = json_obj_get(&d1, al1, "labels");
	s = get_str(&d1, labels, "team");
	ck_assert_str_eq(s, "perf");
	free(s);
	json_free(&d1);
	json_free(&d2);
	notify_message_free(&m1);
	notify_message_free(&m2);
}
END_TEST

START_TEST(test_slack_escapes)
{
	struct notify_channel ch = { .kind = CH_SLACK, .url = "https://hooks.slack.com/x" };
	struct notify_alert a = sample_alert(false);
	a.rule = "a<b>&c";
	struct notify_message m;
	notify_build(&m, &ch, &a);
	struct json_doc doc;
	ck_assert_int_eq(parse(&doc, &m), 0);
	char *s = get_str(&doc, 0, "text");
	ck_assert_ptr_nonnull(strstr(s, "a&lt;b&gt;&amp;c"));
	free(s);
	ck_assert_int_lt(json_obj_get(&doc, 0, "channel"), 0);
	json_free(&doc);
	notify_message_free(&m);
}
END_TEST

START_TEST(test_email_message)
{
	char *rcpt[] = { "a@example.org", "b@example.org" };
	struct notify_channel ch = { .kind = CH_EMAIL, .url = "smtp://127.0.0.1:25",
				     .from = "perf@example.org", .recipients = rcpt, .nrecipients = 2 };
	struct notify_alert a = sample_alert(false);
	a.description = "line one\nline two";
	struct notify_message m;
	notify_build(&m, &ch, &a);
	ck_assert_ptr_nonnull(strstr(m.body, "Date: Mon, 23 Nov 2026 01:00:00 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(m.body, "To: a@example.org,\r\n b@example.org\r\n"));
	ck_assert_ptr_nonnull(strstr(m.body, "Subject: [FIRING] tps_degradation: tps.average (high)\r\n"));
	ck_assert_ptr_nonnull(strstr(m.body, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(m.body, "@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(m.body, "\r\n\r\n"));
	ck_assert_ptr_nonnull(strstr(m.body, "line one\r\nline two\r\n"));
	for (const char *p = m.body; (p = strchr(p, '\n')); p++)
		ck_assert_int_eq(p[-1], '\r');
	notify_message_free(&m);
	/* A non-ASCII subject is an RFC 2047 encoded word. */
	a.rule = "d\xc3\xa9" "bit";
	notify_build(&m, &ch, &a);
	ck_assert_ptr_nonnull(strstr(m.body, "Subject: =?UTF-8?B?"));
	notify_message_free(&m);
}
END_TEST

Suite *suite_notify(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");
	tcase_add_test(tc, test_smtp_url);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_severity_and_date);
	tcase_add_test(tc, test_scrub);
	tcase_add_test(tc, test_pagerduty_payload);
	tcase_add_test(tc, test_webhook_payload);
	tcase_add_test(tc, test_slack_escapes);
	tcase_add_test(tc, test_email_message);
	suite_add_tcase(s, tc);
	return s;
}
