/* perf alert: alert rules against live metrics, for the people on call.
 *
 * Reads the original performance_alerts.yml (alert_rules and
 * notification_channels, ${VAR} from the environment), evaluates each rule
 * against a metrics snapshot (a dotted path into a JSON object) and a
 * baseline (a file, or the median of a window of the history file), and
 * notifies Slack, email, PagerDuty and webhooks of what fires and what
 * resolves, all at once.  A state file keeps runs from repeating
 * themselves: a firing alert is sent once, again after repeat_interval,
 * and once more when it resolves.  --watch turns it into the monitor:
 * poll the sources, append the sample to the history, evaluate, print the
 * trends, notify, sleep, until the cycles are done or a signal arrives.
 *
 * Stands on: notify.c (messages, curl multi delivery), yaml.c (rules),
 * history.c (samples appended and read), json.c (snapshots, state),
 * jsonw.c, strmap.c, stats.c (medians), timeutil.c, util.c (out_open,
 * out_commit), msg.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "history.h"
#include "http.h"
#include "json.h"
#include "jsonw.h"
#include "msg.h"
#include "notify.h"
#include "stats.h"
#include "strmap.h"
#include "timeutil.h"
#include "util.h"
#include "yaml.h"

static const char alert_usage[] =
"Usage: perf alert --rules FILE [--metrics FILE|URL|-] [--baseline FILE] [--state FILE] [OPTION]...\n"
"       perf alert --rules FILE --watch SECONDS --source FILE|URL [--source FILE|URL]... [OPTION]...\n"
"Evaluate alert rules against metrics and notify Slack, email, PagerDuty and\n"
"webhooks of alerts that fire or resolve.\n"
"\n"
"  -r, --rules=FILE           the rules (performance_alerts.yml format)\n"
"  -m, --metrics=FILE|URL     the metrics snapshot, a JSON object (- for stdin)\n"
"  -b, --baseline=FILE        the baseline snapshot for threshold_percent rules\n"
"  -B, --baseline-window=DUR  baseline: the median over the last DUR (7d, 12h)\n"
"                             of the history file\n"
"  -s, --state=FILE           remember what was notified (no repeats across runs)\n"
"  -H, --history=FILE         the history file (default $PERF_HISTORY, else\n"
"                             perf-history.jsonl)\n"
"  -w, --watch=SECONDS        monitor: poll, record, evaluate every SECONDS\n"
"  -S, --source=FILE|URL      a metrics source to poll (repeatable)\n"
"  -n, --cycles=N             with --watch, stop after N cycles\n"
"  -f, --format=FORMAT        text (default) or json\n"
"      --dry-run              evaluate and show what would be sent; send nothing\n"
"  -t, --timeout=SECONDS      timeout of each delivery attempt (default 10)\n"
"      --retries=N            retries of a failing delivery (default 3)\n"
"  -q, --quiet                no warnings\n"
"  -v, --verbose              say what is sent where\n"
"  -h, --help                 print this help and exit\n"
"\n"
"Exit status: 0 nothing firing, 1 an alert firing, 2 trouble (bad rules,\n"
"metrics or options), 3 a notification undeliverable after retries or a\n"
"source unreachable.  See perf-alert(1).\n";

enum comparison { CMP_GT, CMP_LT, CMP_GE, CMP_LE };
static const char *const comparison_names[] = { "greater_than", "less_than", "greater_equal", "less_equal" };
static const char *const comparison_text[] = { "greater than", "less than", "at least", "at most" };
static const char *const severity_names[] = { "critical", "high", "medium", "low", "info" };

enum state { STATE_OK, STATE_PENDING, STATE_FIRING, STATE_RESOLVED };
/* The version of the --state file written; newer files are refused. */
#define STATE_VERSION 1

static const char *const state_names[] = { "ok", "pending", "firing", "resolved" };

struct rule {
	char *name;
	unsigned line, col;
	char *metric;
	bool percent;
	double threshold;
	enum comparison cmp;
	const char *severity;
	int channels[CH_COUNT];
	size_t nchannels;
	long long for_s;
	struct notify_label *labels;
	size_t nlabels;
	char *description;
	char *condition;       /* for people: "less than 18" */
	/* one evaluation */
	bool evaluated;
	double value, baseline, change;
	enum state state;
	bool due[CH_COUNT];
	size_t ndue;
	bool notified;
	time_t firing_since;
};

struct rules {
	const char *path;
	struct rule *r;
	size_t n;
	struct notify_channel ch[CH_COUNT];
	bool have[CH_COUNT];
	long long repeat_s;
	bool send_resolved;
};

/* A flattened snapshot: dotted path -> number. */
struct snapshot {
	const char *name;
	char *text;
	size_t len;
	struct json_doc doc;
	struct strmap map;     /* path -> index */
	char **keys;
	double *vals;
	bool *numeric;
	size_t n, alloc;
};

/* Per rule, what the state file remembers. */
struct rule_state {
	char *rule;
	time_t active_since;   /* condition true since (pending or firing) */
	time_t firing_since;   /* 0 when not firing */
	time_t sent[CH_COUNT]; /* last firing notification per channel, 0 none */
	bool removed;          /* forgotten: not saved, not found */
};

struct state_file {
	const char *path;
	int lock_fd;
	struct rule_state *s;
	size_t n, alloc;
	struct strmap index;   /* rule -> entry */
	bool indexed;
};

enum format { FMT_TEXT, FMT_JSON };

struct alert {
	struct rules rules;
	const char *rules_path;
	const char *metrics;
	const char **sources;
	size_t nsources;
	const char *baseline_path;
	long long baseline_window;   /* seconds, 0 none */
	const char *state_path;
	const char *history;
	long watch;                  /* seconds, 0 one-shot */
	long cycles;                 /* 0 unbounded */
	enum format format;
	bool dry_run;
	struct notify_options xopt;
	struct state_file state;
	struct snapshot baseline;
	bool have_baseline;
};

static volatile sig_atomic_t stop_requested;

/* ---- rules ---- */

__attribute__((format(printf, 3, 4)))
static _Noreturn void rules_die(const struct rules *rs, const struct ynode *n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	die(PERF_EXIT_TROUBLE, "%s:%u:%u: %s", rs->path, n->line, n->col, buf);
}

static void unknown_key(const struct rules *rs, const struct ypair *p, const char *where, const char *expected)
{
	warn("%s:%u:%u: unknown key '%s' in %s (expected %s); ignored", rs->path,
	     p->key->line, p->key->col, p->key->str, where, expected);
}

/* A scalar with ${VAR} expanded; an unset variable is an error naming it. */
static char *rules_string(const struct rules *rs, const struct ynode *n, const char *what)
{
	if (n->type != YNODE_SCALAR)
		rules_die(rs, n, "%s must be a scalar, not a %s", what, ynode_type_name(n));
	char *missing;
	char *s = yaml_expand_env(n->str, &missing);
	if (missing) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s uses the environment variable '%s', which is not set",
			 what, missing);
		free(missing);
		free(s);
		rules_die(rs, n, "%s", msg);
	}
	return s;
}

static bool rules_bool(const struct rules *rs, const struct ynode *n, const char *what)
{
	bool b;
	if (n->type != YNODE_SCALAR || ynode_bool(n, &b) != 0)
		rules_die(rs, n, "%s must be true or false", what);
	return b;
}

static long long rules_duration(const struct rules *rs, const struct ynode *n, const char *what)
{
	char err[128];
	long long s;
	if (n->type != YNODE_SCALAR || time_parse_duration(n->str, &s, err, sizeof err) != 0)
		rules_die(rs, n, "%s must be a duration like 5m, 4h or 1d", what);
	return s;
}

static void load_channel(struct rules *rs, enum channel_kind kind, const struct ynode *v)
{
	struct notify_channel *ch = &rs->ch[kind];
	const char *name = channel_kind_names[kind];
	char what[96];
	if (v->type != YNODE_MAP)
		rules_die(rs, v, "notification channel '%s' must be a mapping, not a %s", name, ynode_type_name(v));
	rs->have[kind] = true;
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = v->pairs[i].key->str;
		const struct ynode *val = v->pairs[i].value;
		snprintf(what, sizeof what, "%s %s", name, k);
		bool known = true;
		switch (kind) {
		case CH_SLACK:
			if (!strcmp(k, "webhook_url"))
				ch->url = rules_string(rs, val, what);
			else if (!strcmp(k, "channel"))
				ch->slack_channel = rules_string(rs, val, what);
			else
				known = false;
			break;
		case CH_EMAIL:
			if (!strcmp(k, "smtp_server")) {
				char *s = rules_string(rs, val, what);
				const char *err;
				ch->url = notify_smtp_url(s, &err);
				free(s);
				if (!ch->url)
					rules_die(rs, val, "email smtp_server %s", err);
			} else if (!strcmp(k, "from")) {
				ch->from = rules_string(rs, val, what);
			} else if (!strcmp(k, "recipients")) {
				if (val->type == YNODE_SCALAR) {
					ch->recipients = xcalloc(2, sizeof *ch->recipients);
					ch->recipients[ch->nrecipients++] = rules_string(rs, val, what);
				} else if (val->type == YNODE_SEQ) {
					ch->recipients = xcalloc(val->nitems + 1, sizeof *ch->recipients);
					for (size_t j = 0; j < val->nitems; j++)
						ch->recipients[ch->nrecipients++] = rules_string(rs, val->items[j], what);
				} else {
					rules_die(rs, val, "email recipients must be a list of addresses");
				}
				for (size_t j = 0; j < ch->nrecipients; j++)
					if (!strchr(ch->recipients[j], '@') || strpbrk(ch->recipients[j], "\r\n<> "))
						rules_die(rs, val, "email recipient '%s' is not an address", ch->recipients[j]);
			} else if (!strcmp(k, "username")) {
				ch->username = rules_string(rs, val, what);
			} else if (!strcmp(k, "password")) {
				ch->password = rules_string(rs, val, what);
				notify_add_secret(ch->password);
			} else if (!strcmp(k, "tls")) {
				char *s = rules_string(rs, val, what);
				if (!strcmp(s, "none"))
					ch->tls_none = true;
				else if (strcmp(s, "starttls") && strcmp(s, "required"))
					rules_die(rs, val, "email tls must be 'starttls' or 'none'");
				free(s);
			} else {
				known = false;
			}
			break;
		case CH_PAGERDUTY:
			if (!strcmp(k, "integration_key") || !strcmp(k, "routing_key")) {
				ch->routing_key = rules_string(rs, val, what);
				notify_add_secret(ch->routing_key);
			} else if (!strcmp(k, "events_url")) {
				ch->url = rules_string(rs, val, what);
			} else if (!strcmp(k, "source")) {
				ch->source = rules_string(rs, val, what);
			} else {
				known = false;
			}
			break;
		case CH_WEBHOOK:
			if (!strcmp(k, "url"))
				ch->url = rules_string(rs, val, what);
			else if (!strcmp(k, "receiver"))
				ch->receiver = rules_string(rs, val, what);
			else
				known = false;
			break;
		case CH_COUNT:
			break;
		}
		if (!known) {
			static const char *const expected[CH_COUNT] = {
				"webhook_url or channel",
				"smtp_server, from, recipients, username, password or tls",
				"integration_key, events_url or source",
				"url or receiver",
			};
			char where[64];
			snprintf(where, sizeof where, "notification channel '%s'", name);
			unknown_key(rs, &v->pairs[i], where, expected[kind]);
		}
	}
	switch (kind) {
	case CH_SLACK:
		if (!ch->url || !*ch->url)
			rules_die(rs, v, "notification channel 'slack' needs webhook_url");
		break;
	case CH_EMAIL:
		if (!ch->url)
			rules_die(rs, v, "notification channel 'email' needs smtp_server");
		if (!ch->nrecipients)
			rules_die(rs, v, "notification channel 'email' needs recipients");
		if (!ch->from) {
			char host[256] = "localhost";
			if (gethostname(host, sizeof host - 1) != 0 || !*host)
				snprintf(host, sizeof host, "localhost");
			ch->from = xasprintf("perfsuite@%s", host);
		}
		if ((ch->username == NULL) != (ch->password == NULL))
			rules_die(rs, v, "notification channel 'email' needs both username and password, or neither");
		break;
	case CH_PAGERDUTY:
		if (!ch->routing_key || !*ch->routing_key)
			rules_die(rs, v, "notification channel 'pagerduty' needs integration_key");
		if (!ch->url)
			ch->url = xstrdup(PAGERDUTY_EVENTS_URL);
		if (!ch->source) {
			char host[256] = "perfsuite";
			if (gethostname(host, sizeof host - 1) != 0 || !*host)
				snprintf(host, sizeof host, "perfsuite");
			ch->source = xstrdup(host);
		}
		break;
	case CH_WEBHOOK:
		if (!ch->url || !*ch->url)
			rules_die(rs, v, "notification channel 'webhook' needs url");
		if (!ch->receiver)
			ch->receiver = xstrdup("perfsuite");
		break;
	case CH_COUNT:
		break;
	}
	if (ch->kind != CH_EMAIL && strncasecmp(ch->url, "http://", 7) && strncasecmp(ch->url, "https://", 8))
		rules_die(rs, v, "notification channel '%s' needs an http:// or https:// URL", name);
	/* The whole URL of a webhook is the secret (Slack's path is a token). */
	if (kind == CH_SLACK || kind == CH_WEBHOOK) {
		notify_add_secret(ch->url);
		const char *p = strstr(ch->url, "://");
		if (p && (p = strchr(p + 3, '/')) && strlen(p) > 1)
			notify_add_secret(p + 1);
	}
}

static int channel_kind_of(const char *name)
{
	for (int k = 0; k < CH_COUNT; k++)
		if (!strcmp(name, channel_kind_names[k]))
			return k;
	return -1;
}

static void load_rule(struct rules *rs, struct rule *r, const struct ypair *p)
{
	const struct ynode *v = p->value;
	r->name = xstrdup(p->key->str);
	r->line = p->key->line;
	r->col = p->key->col;
	r->severity = "medium";
	if (v->type != YNODE_MAP)
		rules_die(rs, v, "rule '%s' must be a mapping, not a %s", r->name, ynode_type_name(v));
	const struct ynode *tp = NULL, *tv = NULL, *cmp = NULL, *chans = NULL;
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = v->pairs[i].key->str;
		const struct ynode *val = v->pairs[i].value;
		char what[300];
		snprintf(what, sizeof what, "rule '%s' %s", r->name, k);
		if (!strcmp(k, "metric")) {
			r->metric = rules_string(rs, val, what);
			if (!*r->metric)
				rules_die(rs, val, "rule '%s' has an empty metric", r->name);
		} else if (!strcmp(k, "threshold_percent")) {
			tp = val;
		} else if (!strcmp(k, "threshold_value")) {
			tv = val;
		} else if (!strcmp(k, "comparison")) {
			cmp = val;
		} else if (!strcmp(k, "severity")) {
			char *s = rules_string(rs, val, what);
			size_t j;
			for (j = 0; j < ARRAY_SIZE(severity_names); j++)
				if (!strcmp(s, severity_names[j]))
					break;
			if (j == ARRAY_SIZE(severity_names))
				rules_die(rs, val, "rule '%s' has an unknown severity '%s' (expected critical, high, medium, low or info)",
					  r->name, s);
			free(s);
			r->severity = severity_names[j];
		} else if (!strcmp(k, "notification_channels")) {
			chans = val;
		} else if (!strcmp(k, "for")) {
			r->for_s = rules_duration(rs, val, what);
		} else if (!strcmp(k, "labels")) {
			if (ynode_is_null(val))
				continue;
			if (val->type != YNODE_MAP)
				rules_die(rs, val, "rule '%s' labels must be a mapping", r->name);
			r->labels = xcalloc(val->npairs + 1, sizeof *r->labels);
			for (size_t j = 0; j < val->npairs; j++) {
				r->labels[j].key = xstrdup(val->pairs[j].key->str);
				r->labels[j].value = rules_string(rs, val->pairs[j].value, what);
				r->nlabels++;
			}
		} else if (!strcmp(k, "description")) {
			r->description = rules_string(rs, val, what);
		} else {
			char where[300];
			snprintf(where, sizeof where, "rule '%s'", r->name);
			unknown_key(rs, &v->pairs[i], where,
				    "metric, threshold_percent, threshold_value, comparison, severity, notification_channels, for, labels or description");
		}
	}
	if (!r->metric)
		rules_die(rs, v, "rule '%s' has no metric", r->name);
	if (tp && tv)
		rules_die(rs, tv, "rule '%s' has both threshold_percent and threshold_value; give one", r->name);
	if (!tp && !tv)
		rules_die(rs, v, "rule '%s' has neither threshold_percent nor threshold_value", r->name);
	const struct ynode *t = tp ? tp : tv;
	if (t->type != YNODE_SCALAR || ynode_double(t, &r->threshold) != 0 || !isfinite(r->threshold))
		rules_die(rs, t, "rule '%s' %s must be a number", r->name, tp ? "threshold_percent" : "threshold_value");
	r->percent = tp != NULL;
	if (tv) {
		if (!cmp)
			rules_die(rs, v, "rule '%s' has threshold_value but no comparison (greater_than, less_than, greater_equal or less_equal)",
				  r->name);
		size_t j;
		for (j = 0; j < ARRAY_SIZE(comparison_names); j++)
			if (cmp->type == YNODE_SCALAR && !strcmp(cmp->str, comparison_names[j]))
				break;
		if (j == ARRAY_SIZE(comparison_names))
			rules_die(rs, cmp, "rule '%s' has an unknown comparison '%s' (expected greater_than, less_than, greater_equal or less_equal)",
				  r->name, cmp->type == YNODE_SCALAR ? cmp->str : ynode_type_name(cmp));
		r->cmp = (enum comparison)j;
		char num[64];
		json_format_double(num, sizeof num, r->threshold);
		r->condition = xasprintf("%s %s", comparison_text[r->cmp], num);
	} else {
		if (cmp)
			warn("%s:%u:%u: rule '%s' comparison is ignored with threshold_percent", rs->path,
			     cmp->line, cmp->col, r->name);
		char num[64];
		json_format_double(num, sizeof num, fabs(r->threshold));
		r->condition = xasprintf("%s of more than %s%% from the baseline",
					 r->threshold < 0 ? "a decrease" : "an increase", num);
	}
	if (chans && !ynode_is_null(chans)) {
		const struct ynode *const *items = (const struct ynode *const *)chans->items;
		size_t n = chans->nitems;
		const struct ynode *one[1] = { chans };
		if (chans->type == YNODE_SCALAR) {
			items = one;
			n = 1;
		} else if (chans->type != YNODE_SEQ) {
			rules_die(rs, chans, "rule '%s' notification_channels must be a list", r->name);
		}
		for (size_t j = 0; j < n; j++) {
			const struct ynode *c = items[j];
			int k = c->type == YNODE_SCALAR ? channel_kind_of(c->str) : -1;
			if (k < 0)
				rules_die(rs, c, "rule '%s' names an unknown channel '%s' (expected slack, email, pagerduty or webhook)",
					  r->name, c->type == YNODE_SCALAR ? c->str : ynode_type_name(c));
			bool dup = false;
			for (size_t m = 0; m < r->nchannels; m++)
				if (r->channels[m] == k)
					dup = true;
			if (!dup)
				r->channels[r->nchannels++] = k;
		}
	}
}

static void rules_load(struct rules *rs, const char *path)
{
	struct yaml_error err;
	struct yaml_limits lim = { .max_bytes = (size_t)64 << 20, .max_nodes = 2000000 };
	rs->path = strcmp(path, "-") ? path : "<stdin>";
	rs->repeat_s = 4 * 3600;
	rs->send_resolved = true;
	struct ynode *root = yaml_load_file(path, &lim, &err);
	if (!root)
		die(PERF_EXIT_TROUBLE, "%s", err.msg);
	if (root->type != YNODE_MAP)
		rules_die(rs, root, "the rules must be a mapping with alert_rules, not a %s", ynode_type_name(root));
	const struct ynode *rules = NULL, *chans = NULL;
	for (size_t i = 0; i < root->npairs; i++) {
		const char *k = root->pairs[i].key->str;
		const struct ynode *v = root->pairs[i].value;
		if (!strcmp(k, "alert_rules"))
			rules = v;
		else if (!strcmp(k, "notification_channels"))
			chans = v;
		else if (!strcmp(k, "repeat_interval"))
			rs->repeat_s = rules_duration(rs, v, "repeat_interval");
		else if (!strcmp(k, "send_resolved"))
			rs->send_resolved = rules_bool(rs, v, "send_resolved");
		else
			unknown_key(rs, &root->pairs[i], "the rules file",
				    "alert_rules, notification_channels, repeat_interval or send_resolved");
	}
	if (!rules)
		rules_die(rs, root, "no alert_rules");
	if (chans && !ynode_is_null(chans)) {
		if (chans->type != YNODE_MAP)
			rules_die(rs, chans, "notification_channels must be a mapping");
		for (size_t i = 0; i < chans->npairs; i++) {
			int k = channel_kind_of(chans->pairs[i].key->str);
			if (k < 0)
				rules_die(rs, chans->pairs[i].key,
					  "unknown notification channel '%s' (expected slack, email, pagerduty or webhook)",
					  chans->pairs[i].key->str);
			rs->ch[k].kind = (enum channel_kind)k;
			load_channel(rs, (enum channel_kind)k, chans->pairs[i].value);
		}
	}
	if (!ynode_is_null(rules)) {
		if (rules->type != YNODE_MAP)
			rules_die(rs, rules, "alert_rules must be a mapping of rule names to rules");
		rs->r = xcalloc(rules->npairs + 1, sizeof *rs->r);
		for (size_t i = 0; i < rules->npairs; i++) {
			struct rule *r = &rs->r[rs->n++];
			load_rule(rs, r, &rules->pairs[i]);
			for (size_t j = 0; j < r->nchannels; j++)
				if (!rs->have[r->channels[j]])
					rules_die(rs, rules->pairs[i].key,
						  "rule '%s' uses channel '%s', which notification_channels does not configure",
						  r->name, channel_kind_names[r->channels[j]]);
		}
	}
	if (!rs->n)
		warn("%s: no alert rules", rs->path);
	ynode_free(root);
}

static void rules_free(struct rules *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		free(r->name);
		free(r->metric);
		free(r->description);
		free(r->condition);
		for (size_t j = 0; j < r->nlabels; j++) {
			free((char *)r->labels[j].key);
			free((char *)r->labels[j].value);
		}
		free(r->labels);
	}
	free(rs->r);
	for (int k = 0; k < CH_COUNT; k++) {
		struct notify_channel *ch = &rs->ch[k];
		free(ch->url);
		free(ch->slack_channel);
		free(ch->from);
		for (size_t j = 0; j < ch->nrecipients; j++)
			free(ch->recipients[j]);
		free(ch->recipients);
		free(ch->username);
		free(ch->password);
		free(ch->routing_key);
		free(ch->source);
		free(ch->receiver);
	}
}

/* ---- snapshots ---- */

typedef void (*leaf_fn)(void *ctx, const char *path, const struct json_doc *doc, int tok);

/* Call fn for every leaf under tok with its dotted path; arrays are leaves. */
static int walk_leaves(const struct json_doc *doc, int tok, struct strbuf *path, leaf_fn fn, void *ctx)
{
	if (json_type(doc, tok) != JSMN_OBJECT) {
		fn(ctx, path->buf ? path->buf : "", doc, tok);
		return json_skip(doc, tok);
	}
	size_t keep = path->len;
	for (int k = json_first(doc, tok); k >= 0; k = json_next(doc, tok, k)) {
		path->len = keep;
		if (path->buf)
			path->buf[keep] = '\0';
		if (keep)
			sb_addc(path, '.');
		json_string_sb(doc, k, path);
		walk_leaves(doc, k + 1, path, fn, ctx);
	}
	path->len = keep;
	if (path->buf)
		path->buf[keep] = '\0';
	return json_skip(doc, tok);
}

static void snapshot_leaf(void *ctx, const char *path, const struct json_doc *doc, int tok)
{
	struct snapshot *s = ctx;
	double v = NAN;
	bool num = json_type(doc, tok) == JSMN_PRIMITIVE && json_number(doc, tok, &v) == 0;
	size_t old;
	if (strmap_get(&s->map, path, &old)) {
		s->vals[old] = v;
		s->numeric[old] = num;
		return;
	}
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 64;
		s->keys = xreallocarray(s->keys, s->alloc, sizeof *s->keys);
		s->vals = xreallocarray(s->vals, s->alloc, sizeof *s->vals);
		s->numeric = xreallocarray(s->numeric, s->alloc, sizeof *s->numeric);
	}
	s->keys[s->n] = xstrdup(path);
	s->vals[s->n] = v;
	s->numeric[s->n] = num;
	strmap_put(&s->map, s->keys[s->n], s->n, NULL);
	s->n++;
}

/* Parse text (taken) as a snapshot; -1 with msg on bad JSON. */
static int snapshot_parse(struct snapshot *s, const char *name, char *text, size_t len,
			  char *msg, size_t msgsize)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	s->text = text;
	s->len = len;
	json_init(&s->doc);
	struct json_error err;
	if (json_parse(&s->doc, text, len, NULL, name, 0, &err) != 0) {
		json_error_format(&s->doc, &err, msg, msgsize);
		return -1;
	}
	if (json_type(&s->doc, 0) != JSMN_OBJECT) {
		snprintf(msg, msgsize, "%s:1:1: metrics must be a JSON object", name);
		return -1;
	}
	strmap_init(&s->map, (size_t)s->doc.ntok / 2 + 8);
	struct strbuf path = STRBUF_INIT;
	walk_leaves(&s->doc, 0, &path, snapshot_leaf, s);
	sb_release(&path);
	return 0;
}

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->vals);
	free(s->numeric);
	strmap_free(&s->map);
	json_free(&s->doc);
	free(s->text);
	memset(s, 0, sizeof *s);
}

/* 0 found (a number), -1 absent, -2 present but not a number. */
static int snapshot_get(const struct snapshot *s, const char *path, double *v)
{
	size_t i;
	if (!s->map.slots || !strmap_get(&s->map, path, &i))
		return -1;
	if (!s->numeric[i])
		return -2;
	*v = s->vals[i];
	return 0;
}

static bool is_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

/* Fetch many sources at once: files are read, URLs fetched concurrently.
 * texts[i] is NULL where one failed, with the reason in why[i]. */
static void fetch_sources(const char *const *srcs, size_t n, const struct notify_options *opt,
			  char **texts, size_t *lens, char (*why)[600], bool *external)
{
	struct http_request *reqs = xcalloc(n + 1, sizeof *reqs);
	struct http_response *resps = xcalloc(n + 1, sizeof *resps);
	size_t *of = xcalloc(n + 1, sizeof *of);
	size_t nr = 0;
	for (size_t i = 0; i < n; i++) {
		texts[i] = NULL;
		external[i] = false;
		why[i][0] = '\0';
		if (is_url(srcs[i])) {
			struct http_request *r = &reqs[nr];
			r->url = srcs[i];
			r->timeout_ms = opt->timeout_ms;
			r->retries = opt->retries;
			r->max_body = (size_t)64 << 20;
			of[nr++] = i;
			continue;
		}
		if (read_file(srcs[i], &texts[i], &lens[i], (size_t)256 << 20) != 0) {
			snprintf(why[i], sizeof why[i], "cannot read '%s': %s", srcs[i], strerror(errno));
			texts[i] = NULL;
		}
	}
	if (nr)
		http_perform_many(reqs, resps, nr);
	for (size_t j = 0; j < nr; j++) {
		size_t i = of[j];
		if (resps[j].result == 0) {
			texts[i] = sb_detach(&resps[j].body, &lens[i]);
		} else {
			char *u = http_redact_url(srcs[i]);
			snprintf(why[i], sizeof why[i], "cannot fetch metrics from %s: %s", u, resps[j].error);
			notify_scrub(why[i], sizeof why[i]);
			free(u);
			external[i] = true;
		}
		http_response_free(&resps[j]);
	}
	free(reqs);
	free(resps);
	free(of);
}

static const char *source_name(const char *src)
{
	return strcmp(src, "-") ? src : "<stdin>";
}

/* Poll the sources and merge them into one sample object with
 * "timestamp" first.  Returns the number of sources that failed; *sample
 * is NULL when none answered. */
static size_t collect_sample(const struct alert *al, const char *const *srcs, size_t n, time_t now,
			     struct strbuf *sample, bool *any_external, bool *any_bad)
{
	char **texts = xcalloc(n + 1, sizeof *texts);
	size_t *lens = xcalloc(n + 1, sizeof *lens);
	char (*why)[600] = xcalloc(n + 1, sizeof *why);
	bool *ext = xcalloc(n + 1, sizeof *ext);
	fetch_sources(srcs, n, &al->xopt, texts, lens, why, ext);
	size_t failed = 0, good = 0;
	struct jsonw w;
	char ts[TIME_RFC3339_LEN];
	time_format_rfc3339(now, ts, sizeof ts);
	sb_reset(sample);
	jw_init_sb(&w, sample, false);
	jw_obj_begin(&w);
	jw_key(&w, "timestamp");
	jw_str(&w, ts);
	struct strmap seen;
	strmap_init(&seen, 64);
	char **seen_keys = NULL;
	size_t nseen = 0, seen_alloc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!texts[i]) {
			error("%s", why[i]);
			failed++;
			if (ext[i])
				*any_external = true;
			else
				*any_bad = true;
			continue;
		}
		struct json_doc doc;
		struct json_error err;
		json_init(&doc);
		if (json_parse(&doc, texts[i], lens[i], NULL, source_name(srcs[i]), 0, &err) != 0) {
			char msg[600];
			json_error_format(&doc, &err, msg, sizeof msg);
			if (is_url(srcs[i])) {
				char *u = http_redact_url(srcs[i]);
				error("metrics from %s are not JSON: %s", u, err.msg);
				free(u);
			} else {
				error("%s", msg);
			}
			failed++;
			*any_bad = true;
		} else if (json_type(&doc, 0) != JSMN_OBJECT) {
			error("%s: metrics must be a JSON object", source_name(srcs[i]));
			failed++;
			*any_bad = true;
		} else {
			good++;
			for (int k = json_first(&doc, 0); k >= 0; k = json_next(&doc, 0, k)) {
				char *key = json_string(&doc, k);
				size_t dummy;
				if (!strcmp(key, "timestamp") || strmap_get(&seen, key, &dummy)) {
					if (strcmp(key, "timestamp"))
						warn("%s: '%s' is also in an earlier source; the earlier is kept",
						     source_name(srcs[i]), key);
					free(key);
					continue;
				}
				GROW(seen_keys, seen_alloc, nseen + 1);
				seen_keys[nseen++] = key;
				strmap_put(&seen, key, 0, NULL);
				jw_key(&w, key);
				jw_value(&w, &doc, k + 1);
			}
		}
		json_free(&doc);
		free(texts[i]);
	}
	jw_obj_end(&w);
	strmap_free(&seen);
	for (size_t i = 0; i < nseen; i++)
		free(seen_keys[i]);
	free(seen_keys);
	free(texts);
	free(lens);
	free(why);
	free(ext);
	if (!good)
		sb_reset(sample);
	return failed;
}

/* ---- history ---- */

struct series {
	double *v;
	size_t n, alloc;
};

struct history_walk {
	struct strmap *want;     /* metric -> index in series */
	struct series *series;
};

static void history_metric_seen(const char *name, double v, void *ctx)
{
	struct history_walk *hw = ctx;
	size_t i;
	if (!isfinite(v) || !strmap_get(hw->want, name, &i))
		return;
	struct series *s = &hw->series[i];
	GROW(s->v, s->alloc, s->n + 1);
	s->v[s->n++] = v;
}

static int history_sample_seen(const struct history_record *rec, void *ctx)
{
	if (!rec->is_event)
		history_each_metric(rec->doc, 0, history_metric_seen, ctx);
	return 0;
}

/* For each wanted metric, its values in the history samples with a
 * timestamp in [since, until), oldest first.  A missing history file is an
 * empty history; unreadable lines are skipped with one warning. */
static void history_series(const char *path, time_t since, time_t until, struct strmap *want,
			   struct series *series)
{
	struct history_walk hw = { want, series };
	char err[600];
	if (history_scan(path, since, until, history_sample_seen, &hw, err, sizeof err) < 0 &&
	    errno != ENOENT)
		warn("%s", err);
}

/* The baseline from the history: per rule metric, the median over the
 * window before now. */
static void baseline_from_history(struct alert *al, time_t now)
{
	struct rules *rs = &al->rules;
	struct strmap want;
	strmap_init(&want, rs->n + 1);
	char **names = xcalloc(rs->n + 1, sizeof *names);
	size_t nn = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (strmap_put(&want, rs->r[i].metric, nn, NULL))
			names[nn++] = rs->r[i].metric;
	struct series *series = xcalloc(nn + 1, sizeof *series);
	history_series(history_path(al->history), now - (time_t)al->baseline_window, now, &want, series);

	struct snapshot *b = &al->baseline;
	snapshot_free(b);
	b->name = history_path(al->history);
	strmap_init(&b->map, nn + 1);
	for (size_t i = 0; i < nn; i++) {
		if (!series[i].n) {
			free(series[i].v);
			continue;
		}
		struct wval *x = xmalloc(series[i].n * sizeof *x);
		for (size_t j = 0; j < series[i].n; j++)
			x[j] = (struct wval){ series[i].v[j], 1 };
		stats_sort(x, series[i].n);
		double med = stats_median(x, series[i].n);
		free(x);
		free(series[i].v);
		if (b->n == b->alloc) {
			b->alloc = b->alloc ? b->alloc * 2 : 64;
			b->keys = xreallocarray(b->keys, b->alloc, sizeof *b->keys);
			b->vals = xreallocarray(b->vals, b->alloc, sizeof *b->vals);
			b->numeric = xreallocarray(b->numeric, b->alloc, sizeof *b->numeric);
		}
		b->keys[b->n] = xstrdup(names[i]);
		b->vals[b->n] = med;
		b->numeric[b->n] = true;
		strmap_put(&b->map, b->keys[b->n], b->n, NULL);
		b->n++;
	}
	free(series);
	free(names);
	strmap_free(&want);
	al->have_baseline = true;
}

/* ---- state ---- */

static struct rule_state *state_find(struct state_file *st, const char *rule)
{
	if (!st->indexed) {
		strmap_init(&st->index, st->n + 16);
		for (size_t i = 0; i < st->n; i++)
			strmap_put(&st->index, st->s[i].rule, i, NULL);
		st->indexed = true;
	}
	size_t i;
	if (!strmap_get(&st->index, rule, &i) || st->s[i].removed)
		return NULL;
	return &st->s[i];
}

static struct rule_state *state_add(struct state_file *st, const char *rule)
{
	GROW(st->s, st->alloc, st->n + 1);
	struct rule_state *s = &st->s[st->n++];
	memset(s, 0, sizeof *s);
	s->rule = xstrdup(rule);
	if (st->indexed)
		strmap_put(&st->index, s->rule, st->n - 1, NULL);
	return s;
}

static void state_remove(struct state_file *st, struct rule_state *s)
{
	(void)st;
	s->removed = true;
}

/* Drop the forgotten entries (a long-running monitor without a state
 * file keeps its state in memory). */
static void state_compact(struct state_file *st)
{
	size_t j = 0;
	for (size_t i = 0; i < st->n; i++) {
		if (st->s[i].removed)
			free(st->s[i].rule);
		else
			st->s[j++] = st->s[i];
	}
	st->n = j;
	if (st->indexed)
		strmap_free(&st->index);
	st->indexed = false;
}

static void state_clear(struct state_file *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->s[i].rule);
	st->n = 0;
	if (st->indexed)
		strmap_free(&st->index);
	st->indexed = false;
}

static time_t state_time(const struct json_doc *doc, int tok, const char *path)
{
	if (tok < 0 || json_is_null(doc, tok))
		return 0;
	char *s = json_string(doc, tok);
	time_t t;
	char err[128];
	if (!s || time_parse(s, &t, err, sizeof err) != 0) {
		unsigned line, col;
		json_tok_position(doc, tok, &line, &col);
		die(PERF_EXIT_TROUBLE, "%s:%u:%u: not a perf alert state file: expected an RFC 3339 time",
		    path, line, col);
	}
	free(s);
	return t;
}

/* Take the lock (beside the file: the file itself is replaced by rename)
 * and read the state.  A missing file is an empty state. */
static void state_lock_and_load(struct state_file *st)
{
	if (!st->path) {
		state_compact(st);
		return;
	}
	state_clear(st);
	char *lock = xasprintf("%s.lock", st->path);
	st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->lock_fd < 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot open lock file '%s'", lock);
	while (flock(st->lock_fd, LOCK_EX) != 0)
		if (errno != EINTR)
			die_errno(PERF_EXIT_TROUBLE, "cannot lock '%s'", lock);
	free(lock);

	char *text;
	size_t len;
	if (read_file(st->path, &text, &len, 0) != 0) {
		if (errno == ENOENT)
			return;
		die_errno(PERF_EXIT_TROUBLE, "cannot read state '%s'", st->path);
	}
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	if (len == 0) {
		free(text);
		return;
	}
	if (json_parse(&doc, text, len, NULL, st->path, 0, &err) != 0) {
		char msg[600];
		json_error_format(&doc, &err, msg, sizeof msg);
		die(PERF_EXIT_TROUBLE, "%s", msg);
	}
	int alerts = json_type(&doc, 0) == JSMN_OBJECT ? json_obj_get(&doc, 0, "alerts") : -1;
	if (alerts < 0 || json_type(&doc, alerts) != JSMN_OBJECT)
		die(PERF_EXIT_TROUBLE, "%s:1:1: not a perf alert state file: expected {\"alerts\": {...}}", st->path);
	int ver = json_obj_get(&doc, 0, "version");
	double version = 1;
	if (ver >= 0 && (json_number(&doc, ver, &version) != 0 || version < 1 || version != floor(version)))
		die(PERF_EXIT_TROUBLE, "%s: not a perf alert state file: \"version\" must be a whole number", st->path);
	if (version > STATE_VERSION)
		die(PERF_EXIT_TROUBLE, "%s: written by a newer perfsuite (state version %g; this one knows %d); left untouched",
		    st->path, version, STATE_VERSION);
	for (int k = json_first(&doc, alerts); k >= 0; k = json_next(&doc, alerts, k)) {
		int v = k + 1;
		if (json_type(&doc, v) != JSMN_OBJECT)
			continue;
		char *name = json_string(&doc, k);
		struct rule_state *s = state_add(st, name);
		free(name);
		s->active_since = state_time(&doc, json_obj_get(&doc, v, "active_since"), st->path);
		s->firing_since = state_time(&doc, json_obj_get(&doc, v, "firing_since"), st->path);
		int sent = json_obj_get(&doc, v, "notified");
		if (sent >= 0 && json_type(&doc, sent) == JSMN_OBJECT)
			for (int c = json_first(&doc, sent); c >= 0; c = json_next(&doc, sent, c)) {
				char *cn = json_string(&doc, c);
				int kind = channel_kind_of(cn);
				free(cn);
				if (kind >= 0)
					s->sent[kind] = state_time(&doc, c + 1, st->path);
			}
	}
	json_free(&doc);
	free(text);
}

/* Write the state atomically and release the lock. */
static int state_save_and_unlock(struct state_file *st)
{
	if (!st->path)
		return 0;
	int rc = 0;
	struct outfile out;
	if (out_open(&out, st->path) != 0) {
		error("cannot create state '%s': %s", st->path, strerror(errno));
		rc = -1;
	} else {
		struct jsonw w;
		char ts[TIME_RFC3339_LEN];
		jw_init(&w, out.fp, true);
		jw_obj_begin(&w);
		jw_key(&w, "version");
		jw_int(&w, STATE_VERSION);
		jw_key(&w, "alerts");
		jw_obj_begin(&w);
		for (size_t i = 0; i < st->n; i++) {
			const struct rule_state *s = &st->s[i];
			if (s->removed)
				continue;
			jw_key(&w, s->rule);
			jw_obj_begin(&w);
			time_format_rfc3339(s->active_since, ts, sizeof ts);
			jw_key(&w, "active_since");
			jw_str(&w, ts);
			jw_key(&w, "firing_since");
			if (s->firing_since) {
				time_format_rfc3339(s->firing_since, ts, sizeof ts);
				jw_str(&w, ts);
			} else {
				jw_null(&w);
			}
			jw_key(&w, "notified");
			jw_obj_begin(&w);
			for (int k = 0; k < CH_COUNT; k++) {
				if (!s->sent[k])
					continue;
				time_format_rfc3339(s->sent[k], ts, sizeof ts);
				jw_key(&w, channel_kind_names[k]);
				jw_str(&w, ts);
			}
			jw_obj_end(&w);
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
		jw_obj_end(&w);
		jw_end(&w);
		if (out_commit(&out) != 0) {
			error("cannot write state '%s': %s", st->path, strerror(errno));
			rc = -1;
		}
	}
	if (st->lock_fd > 0) {
		flock(st->lock_fd, LOCK_UN);
		close(st->lock_fd);
		st->lock_fd = -1;
	}
	return rc;
}

/* ---- evaluation ---- */

static bool compare_value(enum comparison c, double v, double t)
{
	switch (c) {
	case CMP_GT: return v > t;
	case CMP_LT: return v < t;
	case CMP_GE: return v >= t;
	case CMP_LE: return v <= t;
	}
	return false;
}

/* Look up value and baseline and decide each rule's condition.  In
 * one-shot mode (strict) a missing metric or baseline dies with status 2;
 * in watch mode it is logged and the rule is left out of this cycle.
 * Returns the number of rules left out. */
static size_t evaluate(struct alert *al, const struct snapshot *snap, bool strict, bool *cond)
{
	struct rules *rs = &al->rules;
	size_t skipped = 0;
	char msg[1024];
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		r->evaluated = false;
		r->baseline = r->change = NAN;
		int got = snapshot_get(snap, r->metric, &r->value);
		msg[0] = '\0';
		if (got == -1)
			snprintf(msg, sizeof msg, "%s:%u:%u: rule '%s': metric '%s' is not in the metrics %s",
				 rs->path, r->line, r->col, r->name, r->metric, snap->name);
		else if (got == -2)
			snprintf(msg, sizeof msg, "%s:%u:%u: rule '%s': metric '%s' in %s is not a number",
				 rs->path, r->line, r->col, r->name, r->metric, snap->name);
		double b = NAN;
		int bgot = al->have_baseline ? snapshot_get(&al->baseline, r->metric, &b) : -1;
		if (!msg[0] && r->percent) {
			if (!al->have_baseline)
				snprintf(msg, sizeof msg, "%s:%u:%u: rule '%s' has threshold_percent but there is no baseline (give --baseline or --baseline-window)",
					 rs->path, r->line, r->col, r->name);
			else if (bgot == -1)
				snprintf(msg, sizeof msg, "%s:%u:%u: rule '%s': metric '%s' is not in the baseline %s",
					 rs->path, r->line, r->col, r->name, r->metric, al->baseline.name);
			else if (bgot == -2)
				snprintf(msg, sizeof msg, "%s:%u:%u: rule '%s': metric '%s' in the baseline %s is not a number",
					 rs->path, r->line, r->col, r->name, r->metric, al->baseline.name);
		}
		if (msg[0]) {
			if (strict)
				die(PERF_EXIT_TROUBLE, "%s", msg);
			error("%s; rule skipped this cycle", msg);
			skipped++;
			continue;
		}
		r->evaluated = true;
		if (bgot == 0)
			r->baseline = b;
		if (!isnan(r->baseline) && r->baseline != 0)
			r->change = (r->value - r->baseline) / fabs(r->baseline) * 100.0;
		if (r->percent) {
			if (r->baseline == 0) {
				warn("rule '%s': baseline of '%s' is 0, no percentage change", r->name, r->metric);
				cond[i] = false;
			} else if (r->threshold >= 0) {
				cond[i] = r->change > r->threshold;
			} else {
				cond[i] = r->change < r->threshold;
			}
		} else {
			cond[i] = compare_value(r->cmp, r->value, r->threshold);
		}
	}
	return skipped;
}

/* Apply the conditions to the state: what is pending, firing, resolved,
 * and which channels are due a notification. */
static void transition(struct alert *al, const bool *cond, time_t now)
{
	struct rules *rs = &al->rules;
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		memset(r->due, 0, sizeof r->due);
		r->ndue = 0;
		r->notified = false;
		r->firing_since = 0;
		if (!r->evaluated) {
			r->state = STATE_OK;
			continue;
		}
		struct rule_state *s = state_find(&al->state, r->name);
		if (cond[i]) {
			if (!s) {
				s = state_add(&al->state, r->name);
				s->active_since = now;
			}
			if (!s->active_since)
				s->active_since = now;
			if (!s->firing_since && now - s->active_since < r->for_s) {
				r->state = STATE_PENDING;
				continue;
			}
			if (!s->firing_since) {
				s->firing_since = now;
				memset(s->sent, 0, sizeof s->sent);
			}
			r->state = STATE_FIRING;
			r->firing_since = s->firing_since;
			for (size_t j = 0; j < r->nchannels; j++) {
				int k = r->channels[j];
				if (!s->sent[k] || now - s->sent[k] >= rs->repeat_s) {
					r->due[k] = true;
					r->ndue++;
				}
			}
			continue;
		}
		if (!s) {
			r->state = STATE_OK;
			continue;
		}
		if (!s->firing_since) {
			/* Pending that never fired: nothing to say. */
			state_remove(&al->state, s);
			r->state = STATE_OK;
			continue;
		}
		r->state = STATE_RESOLVED;
		r->firing_since = s->firing_since;
		if (rs->send_resolved)
			for (int k = 0; k < CH_COUNT; k++)
				if (s->sent[k]) {
					r->due[k] = true;
					r->ndue++;
				}
		if (!r->ndue)
			state_remove(&al->state, s);
	}
}

static void fill_alert(struct notify_alert *a, const struct rule *r, time_t now)
{
	memset(a, 0, sizeof *a);
	a->rule = r->name;
	a->metric = r->metric;
	a->severity = r->severity;
	a->condition = r->condition;
	a->value = r->value;
	a->baseline = r->baseline;
	a->threshold = r->threshold;
	a->change_percent = r->change;
	a->resolved = r->state == STATE_RESOLVED;
	a->starts_at = r->firing_since ? r->firing_since : now;
	a->ends_at = now;
	a->now = now;
	a->labels = r->labels;
	a->nlabels = r->nlabels;
	a->description = r->description;
}

/* Build, send (or preview) every due notification; record what was
 * delivered in the state.  Returns the number undeliverable. */
static size_t notify_due(struct alert *al, time_t now, FILE *preview)
{
	struct rules *rs = &al->rules;
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += rs->r[i].ndue;
	if (!n)
		return 0;
	struct notify_message *m = xcalloc(n, sizeof *m);
	size_t *owner = xcalloc(n, sizeof *owner);
	size_t j = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];
		if (!r->ndue)
			continue;
		struct notify_alert a;
		fill_alert(&a, r, now);
		for (int k = 0; k < CH_COUNT; k++)
			if (r->due[k]) {
				owner[j] = i;
				notify_build(&m[j++], &rs->ch[k], &a);
			}
	}
	size_t failed = 0;
	if (al->dry_run) {
		for (size_t i = 0; i < n; i++)
			notify_preview(preview, &m[i]);
	} else {
		notify_send_all(m, n, &al->xopt);
		for (size_t i = 0; i < rs->n; i++)
			rs->r[i].notified = rs->r[i].ndue > 0;
		for (size_t i = 0; i < n; i++) {
			struct rule *r = &rs->r[owner[i]];
			enum channel_kind k = m[i].ch->kind;
			char *target = http_redact_url(m[i].ch->url);
			struct rule_state *s = state_find(&al->state, r->name);
			if (m[i].ok) {
				info("notified %s of %s '%s' via %s", channel_kind_names[k],
				     r->state == STATE_RESOLVED ? "resolved" : "firing", r->name, target);
				if (s && r->state == STATE_FIRING)
					s->sent[k] = now;
				else if (s)
					s->sent[k] = 0;
			} else {
				size_t el = strlen(m[i].error);
				if (el > 14 && !strcmp(m[i].error + el - 14, " after retries"))
					m[i].error[el - 14] = '\0';
				if (strstr(m[i].error, "attempt"))
					error("cannot notify %s of '%s': %s", channel_kind_names[k], r->name, m[i].error);
				else
					error("cannot notify %s of '%s': %s after %d attempt%s", channel_kind_names[k],
					      r->name, m[i].error, m[i].attempts, m[i].attempts == 1 ? "" : "s");
				r->notified = false;
				failed++;
			}
			free(target);
		}
		/* A resolved alert whose every resolve was delivered is done. */
		for (size_t i = 0; i < rs->n; i++) {
			const struct rule *r = &rs->r[i];
			if (r->state != STATE_RESOLVED)
				continue;
			struct rule_state *s = state_find(&al->state, r->name);
			bool any = false;
			for (int k = 0; s && k < CH_COUNT; k++)
				if (s->sent[k])
					any = true;
			if (s && !any)
				state_remove(&al->state, s);
		}
	}
	for (size_t i = 0; i < n; i++)
		notify_message_free(&m[i]);
	free(m);
	free(owner);
	return failed;
}

/* ---- reports ---- */

static const char *reported_state(const struct rule *r)
{
	/* The contract's states: firing, resolved, ok (pending is not yet firing). */
	return r->state == STATE_PENDING ? "ok" : state_names[r->state];
}

static void json_alerts(struct jsonw *w, const struct alert *al)
{
	const struct rules *rs = &al->rules;
	jw_key(w, "alerts");
	jw_arr_begin(w);
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];
		if (!r->evaluated)
			continue;
		jw_obj_begin(w);
		jw_key(w, "rule");
		jw_str(w, r->name);
		jw_key(w, "metric");
		jw_str(w, r->metric);
		jw_key(w, "value");
		jw_num(w, r->value);
		jw_key(w, "baseline");
		jw_num(w, r->baseline);
		jw_key(w, "threshold");
		jw_num(w, r->threshold);
		jw_key(w, "severity");
		jw_str(w, r->severity);
		jw_key(w, "state");
		jw_str(w, reported_state(r));
		jw_key(w, "channels");
		jw_arr_begin(w);
		for (size_t j = 0; j < r->nchannels; j++)
			jw_str(w, channel_kind_names[r->channels[j]]);
		jw_arr_end(w);
		jw_key(w, "notified");
		jw_bool(w, r->notified);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void text_alerts(FILE *fp, const struct alert *al)
{
	const struct rules *rs = &al->rules;
	size_t count[4] = { 0 };
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];
		if (!r->evaluated)
			continue;
		count[r->state]++;
		char v[64], b[64] = "";
		json_format_double(v, sizeof v, r->value);
		if (!isnan(r->baseline)) {
			char bb[40];
			json_format_double(bb, sizeof bb, r->baseline);
			if (isnan(r->change))
				snprintf(b, sizeof b, ", baseline %s", bb);
			else
				snprintf(b, sizeof b, ", baseline %s, %+.1f%%", bb, r->change);
		}
		fprintf(fp, "%-8s %s: %s = %s%s; alert on %s [%s]", state_names[r->state], r->name,
			r->metric, v, b, r->condition, r->severity);
		if (r->ndue) {
			fputs(" -> ", fp);
			bool first = true;
			for (int k = 0; k < CH_COUNT; k++)
				if (r->due[k]) {
					fprintf(fp, "%s%s", first ? "" : ",", channel_kind_names[k]);
					first = false;
				}
			fputs(al->dry_run ? " (dry run)" : r->notified ? " (notified)" : " (not delivered)", fp);
		}
		fputc('\n', fp);
	}
	fprintf(fp, "%zu firing, %zu pending, %zu resolved, %zu ok\n", count[STATE_FIRING],
		count[STATE_PENDING], count[STATE_RESOLVED], count[STATE_OK]);
}

/* ---- trends (the original monitor's recent-versus-history reading) ---- */

struct trend {
	const char *metric;
	const char *word;      /* improving, deteriorating, stable, insufficient-data */
	double change;
	size_t n;
};

/* Rising is bad for a metric when its rule fires on an increase. */
static bool rising_is_bad(const struct rule *r)
{
	if (r->percent)
		return r->threshold >= 0;
	return r->cmp == CMP_GT || r->cmp == CMP_GE;
}

static size_t compute_trends(const struct alert *al, time_t now, struct trend **out)
{
	const struct rules *rs = &al->rules;
	struct strmap want;
	strmap_init(&want, rs->n + 1);
	size_t *first_rule = xcalloc(rs->n + 1, sizeof *first_rule);
	size_t nn = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (strmap_put(&want, rs->r[i].metric, nn, NULL))
			first_rule[nn++] = i;
	struct series *series = xcalloc(nn + 1, sizeof *series);
	history_series(history_path(al->history), 0, now + 1, &want, series);
	struct trend *t = xcalloc(nn + 1, sizeof *t);
	for (size_t i = 0; i < nn; i++) {
		const struct rule *r = &rs->r[first_rule[i]];
		struct series *s = &series[i];
		t[i].metric = r->metric;
		t[i].n = s->n;
		t[i].change = NAN;
		t[i].word = "insufficient-data";
		if (s->n >= 10) {
			double recent = 0, hist = 0;
			for (size_t j = s->n - 5; j < s->n; j++)
				recent += s->v[j];
			for (size_t j = 0; j < s->n - 5; j++)
				hist += s->v[j];
			recent /= 5;
			hist /= (double)(s->n - 5);
			if (hist != 0) {
				double ch = (recent - hist) / fabs(hist) * 100.0;
				t[i].change = ch;
				double worse = rising_is_bad(r) ? ch : -ch;
				t[i].word = worse > 5 ? "deteriorating" : worse < -5 ? "improving" : "stable";
			}
		}
		free(s->v);
	}
	free(series);
	free(first_rule);
	strmap_free(&want);
	*out = t;
	return nn;
}

/* ---- one evaluation ---- */

/* Evaluate the snapshot, update the state, notify, report.  Returns the
 * exit status of this evaluation. */
static int run_evaluation(struct alert *al, const struct snapshot *snap, bool strict, time_t now,
			  FILE *fp, const struct trend *trends, size_t ntrends)
{
	bool *cond = xcalloc(al->rules.n + 1, sizeof *cond);
	state_lock_and_load(&al->state);
	size_t skipped = evaluate(al, snap, strict, cond);
	transition(al, cond, now);
	/* Previews go to stdout in text, to stderr beside a JSON document. */
	size_t failed = notify_due(al, now, al->format == FMT_JSON ? stderr : fp);
	int saved = al->dry_run ? (state_clear(&al->state), 0) : state_save_and_unlock(&al->state);
	if (al->dry_run && al->state.lock_fd > 0) {
		flock(al->state.lock_fd, LOCK_UN);
		close(al->state.lock_fd);
		al->state.lock_fd = -1;
	}
	free(cond);

	if (al->format == FMT_JSON) {
		struct jsonw w;
		jw_init(&w, fp, !al->watch);
		jw_obj_begin(&w);
		if (al->watch) {
			char ts[TIME_RFC3339_LEN];
			time_format_rfc3339(now, ts, sizeof ts);
			jw_key(&w, "timestamp");
			jw_str(&w, ts);
		}
		json_alerts(&w, al);
		if (al->watch) {
			jw_key(&w, "trends");
			jw_obj_begin(&w);
			for (size_t i = 0; i < ntrends; i++) {
				jw_key(&w, trends[i].metric);
				jw_str(&w, trends[i].word);
			}
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
		jw_end(&w);
	} else {
		text_alerts(fp, al);
		for (size_t i = 0; i < ntrends; i++) {
			if (isnan(trends[i].change))
				fprintf(fp, "trend %s: %s (%zu sample%s, 10 needed)\n", trends[i].metric,
					trends[i].word, trends[i].n, trends[i].n == 1 ? "" : "s");
			else
				fprintf(fp, "trend %s: %s (%+.1f%%, last 5 of %zu samples vs the rest)\n",
					trends[i].metric, trends[i].word, trends[i].change, trends[i].n);
		}
	}
	fflush(fp);

	bool firing = false;
	for (size_t i = 0; i < al->rules.n; i++)
		if (al->rules.r[i].state == STATE_FIRING)
			firing = true;
	if (failed)
		return PERF_EXIT_EXTERNAL;
	if (saved || skipped)
		return PERF_EXIT_TROUBLE;
	return firing ? PERF_EXIT_FOUND : PERF_EXIT_OK;
}

static void load_baseline_file(struct alert *al)
{
	char *text;
	size_t len;
	char msg[700];
	if (read_file(al->baseline_path, &text, &len, (size_t)256 << 20) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot read '%s'", al->baseline_path);
	if (snapshot_parse(&al->baseline, source_name(al->baseline_path), text, len, msg, sizeof msg) != 0)
		die(PERF_EXIT_TROUBLE, "%s", msg);
	al->have_baseline = true;
}

static int one_shot(struct alert *al, const char *const *srcs, size_t n)
{
	time_t now = time_now();
	struct strbuf sample = STRBUF_INIT;
	struct snapshot snap;
	char msg[700];
	int rc;
	if (n == 1 && !is_url(srcs[0])) {
		char *text;
		size_t len;
		if (read_file(srcs[0], &text, &len, (size_t)256 << 20) != 0)
			die_errno(PERF_EXIT_TROUBLE, "cannot read '%s'", srcs[0]);
		if (snapshot_parse(&snap, source_name(srcs[0]), text, len, msg, sizeof msg) != 0)
			die(PERF_EXIT_TROUBLE, "%s", msg);
	} else {
		bool ext = false, bad = false;
		size_t failed = collect_sample(al, srcs, n, now, &sample, &ext, &bad);
		if (failed)
			die(ext && !bad ? PERF_EXIT_EXTERNAL : PERF_EXIT_TROUBLE,
			    "%zu of %zu metrics source%s failed", failed, n, n == 1 ? "" : "s");
		size_t len;
		char *text = sb_detach(&sample, &len);
		if (snapshot_parse(&snap, n == 1 ? "the metrics" : "the merged metrics", text, len,
				   msg, sizeof msg) != 0)
			die(PERF_EXIT_TROUBLE, "%s", msg);
	}
	if (al->baseline_window)
		baseline_from_history(al, now);
	rc = run_evaluation(al, &snap, true, now, stdout, NULL, 0);
	snapshot_free(&snap);
	sb_release(&sample);
	return rc;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Sleep until deadline (CLOCK_MONOTONIC), or until a signal asks to stop. */
static void sleep_until(const struct timespec *deadline)
{
	while (!stop_requested) {
		int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL);
		if (e == 0)
			return;
		if (e != EINTR)
			return;
	}
}

static int watch_loop(struct alert *al, const char *const *srcs, size_t n)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: the sleep ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	const char *hist = history_path(al->history);
	int rc = PERF_EXIT_OK;
	struct strbuf sample = STRBUF_INIT;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long cycle = 1; !stop_requested && (!al->cycles || cycle <= al->cycles); cycle++) {
		time_t now = time_now();
		char ts[TIME_RFC3339_LEN];
		time_format_rfc3339(now, ts, sizeof ts);
		if (al->format == FMT_TEXT)
			printf("== cycle %ld at %s\n", cycle, ts);
		bool ext = false, bad = false;
		size_t failed = collect_sample(al, srcs, n, now, &sample, &ext, &bad);
		if (!sample.len) {
			error("cycle %ld: no metrics source answered; trying again next cycle", cycle);
			rc = ext ? PERF_EXIT_EXTERNAL : PERF_EXIT_TROUBLE;
		} else {
			/* The baseline window ends before this sample. */
			if (al->baseline_window)
				baseline_from_history(al, now);
			if (history_append(hist, sample.buf) != 0)
				error("cannot append to history '%s': %s", hist, strerror(errno));
			struct snapshot snap;
			char msg[700];
			size_t len;
			char *text = sb_detach(&sample, &len);
			if (snapshot_parse(&snap, "the sample", text, len, msg, sizeof msg) != 0) {
				error("%s", msg);
				rc = PERF_EXIT_TROUBLE;
			} else {
				struct trend *trends;
				size_t nt = compute_trends(al, now, &trends);
				rc = run_evaluation(al, &snap, false, now, stdout, trends, nt);
				if (failed && rc < PERF_EXIT_TROUBLE)
					rc = ext ? PERF_EXIT_EXTERNAL : PERF_EXIT_TROUBLE;
				free(trends);
			}
			snapshot_free(&snap);
		}
		fflush(stdout);
		if (al->cycles && cycle == al->cycles)
			break;
		next.tv_sec += al->watch;
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec > next.tv_sec)
			next = t;   /* a cycle overran: start the next now */
		sleep_until(&next);
	}
	if (stop_requested)
		info("stopped by a signal");
	sb_release(&sample);
	return rc;
}

/* ---- main ---- */

static long parse_count(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || errno || v < lo || v > hi)
		die(PERF_EXIT_TROUBLE, "invalid %s '%s': expected a whole number from %ld to %ld", opt, arg, lo, hi);
	return v;
}

int cmd_alert(int argc, char **argv)
{
	enum { OPT_DRY_RUN = 256, OPT_RETRIES };
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "baseline-window", required_argument, NULL, 'B' },
		{ "state", required_argument, NULL, 's' },
		{ "history", required_argument, NULL, 'H' },
		{ "watch", required_argument, NULL, 'w' },
		{ "source", required_argument, NULL, 'S' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct alert al = { .format = FMT_TEXT, .xopt = { .retries = -1 } };
	al.state.lock_fd = -1;
	const char **srcs = xcalloc((size_t)argc + 2, sizeof *srcs);
	size_t nsrcs = 0;
	int opt;
	opterr = 0;
	optind = 1;
	stop_requested = 0;
	while ((opt = getopt_long(argc, argv, ":r:m:b:B:s:H:w:S:n:f:t:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': al.rules_path = optarg; break;
		case 'm': al.metrics = optarg; break;
		case 'b': al.baseline_path = optarg; break;
		case 'B': {
			char err[128];
			if (time_parse_duration(optarg, &al.baseline_window, err, sizeof err) != 0 ||
			    al.baseline_window <= 0)
				die(PERF_EXIT_TROUBLE, "invalid --baseline-window '%s': expected a duration like 7d or 12h", optarg);
			break;
		}
		case 's': al.state_path = optarg; break;
		case 'H': al.history = optarg; break;
		case 'w': al.watch = parse_count("--watch", optarg, 1, 86400 * 7); break;
		case 'S': srcs[nsrcs++] = optarg; break;
		case 'n': al.cycles = parse_count("--cycles", optarg, 1, 1000000000L); break;
		case 'f': {
			static const char *const formats[] = { "text", "json" };   /* enum format */
			al.format = (enum format)opt_keyword("format", optarg, formats, ARRAY_SIZE(formats));
			break;
		}
		case OPT_DRY_RUN: al.dry_run = true; break;
		case 't': al.xopt.timeout_ms = parse_count("--timeout", optarg, 1, 3600) * 1000; break;
		case OPT_RETRIES: al.xopt.retries = (int)parse_count("--retries", optarg, 0, 10); break;
		case 'q': msg_verbosity = -1; break;
		case 'v': msg_verbosity++; break;
		case 'h':
			fputs(alert_usage, stdout);
			free(srcs);
			return PERF_EXIT_OK;
		case ':':
			die(PERF_EXIT_TROUBLE, "option '%s' needs a value; see 'perf alert --help'", argv[optind - 1]);
		default:
			if (optopt)
				die(PERF_EXIT_TROUBLE, "unknown option '-%c'; see 'perf alert --help'", optopt);
			die(PERF_EXIT_TROUBLE, "unknown option '%s'; see 'perf alert --help'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(PERF_EXIT_TROUBLE, "unexpected argument '%s'; see 'perf alert --help'", argv[optind]);
	if (!al.rules_path)
		die(PERF_EXIT_TROUBLE, "no rules: give --rules FILE; see 'perf alert --help'");
	if (al.metrics) {
		memmove(srcs + 1, srcs, nsrcs * sizeof *srcs);
		srcs[0] = al.metrics;
		nsrcs++;
	}
	if (!nsrcs)
		die(PERF_EXIT_TROUBLE, "no metrics: give --metrics FILE|URL%s", al.watch ? " or --source" : "");
	if (al.cycles && !al.watch)
		die(PERF_EXIT_TROUBLE, "--cycles needs --watch");
	if (al.baseline_path && al.baseline_window)
		die(PERF_EXIT_TROUBLE, "give --baseline or --baseline-window, not both");
	size_t stdin_uses = !strcmp(al.rules_path, "-");
	for (size_t i = 0; i < nsrcs; i++)
		stdin_uses += !strcmp(srcs[i], "-");
	if (al.baseline_path)
		stdin_uses += !strcmp(al.baseline_path, "-");
	if (stdin_uses > 1)
		die(PERF_EXIT_TROUBLE, "only one of the inputs can be standard input");
	if (al.watch)
		for (size_t i = 0; i < nsrcs; i++)
			if (!strcmp(srcs[i], "-"))
				die(PERF_EXIT_TROUBLE, "--watch cannot poll standard input");
	al.state.path = al.state_path;

	rules_load(&al.rules, al.rules_path);
	for (size_t i = 0; i < nsrcs; i++)
		if (is_url(srcs[i])) {
			/* A query string may hold a token. */
			const char *q = strchr(srcs[i], '?');
			if (q && strlen(q) > 1)
				notify_add_secret(q + 1);
		}
	if (al.baseline_path)
		load_baseline_file(&al);

	int rc = al.watch ? watch_loop(&al, srcs, nsrcs) : one_shot(&al, srcs, nsrcs);

	state_clear(&al.state);
	free(al.state.s);
	snapshot_free(&al.baseline);
	rules_free(&al.rules);
	notify_clear_secrets();
	free(srcs);
	return rc;
}
