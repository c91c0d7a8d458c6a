/* Messages and exit codes: see msg.h. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

static char prefix[64] = "perf";
int msg_verbosity;
unsigned long msg_warnings;
void (*msg_exit)(int status) = exit;

void msg_set_applet(const char *applet)
{
	if (applet)
		snprintf(prefix, sizeof prefix, "perf %s", applet);
	else
		snprintf(prefix, sizeof prefix, "perf");
}

const char *msg_prefix(void)
{
	return prefix;
}

void vmsg(const char *kind, const char *fmt, va_list ap)
{
	/* One fprintf per part, but stderr is unbuffered: build the line first
	 * so that concurrent writers (cron, CI logs) see whole lines. */
	char line[4096];
	int n = snprintf(line, sizeof line, "%s: %s", prefix, kind ? kind : "");
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - n, fmt, ap);
	size_t len = strlen(line);
	if (len + 1 < sizeof line) {
		line[len++] = '\n';
		line[len] = '\0';
	} else {
		line[sizeof line - 2] = '\n';
		len = sizeof line - 1;
	}
	fwrite(line, 1, len, stderr);
}

_Noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	fflush(stdout);
	msg_exit(status);
	exit(status);
}

_Noreturn void die_errno(int status, const char *fmt, ...)
{
	int e = errno;
	char buf[3072];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	die(status, "%s: %s", buf, strerror(e));
}

void error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

void warn(const char *fmt, ...)
{
	msg_warnings++;
	if (msg_verbosity < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	if (msg_verbosity < 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}
