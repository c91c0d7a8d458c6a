/* Messages and exit codes shared by every applet.
 *
 * Messages go to stderr as "perf APPLET: message": lowercase, no full stop,
 * saying what is wrong first and naming the file (and line:column) where
 * known.  die() prints and exits with the given status. */
#ifndef PERF_MSG_H
#define PERF_MSG_H

#include <stdarg.h>
#include <stdbool.h>

/* Exit statuses, the same for every applet (see CONTRACTS.md, perf(1)). */
enum perf_exit {
	PERF_EXIT_OK = 0,        /* done, nothing found */
	PERF_EXIT_FOUND = 1,     /* done, something found (regression, alert) */
	PERF_EXIT_TROUBLE = 2,   /* bad usage, unreadable or invalid input */
	PERF_EXIT_EXTERNAL = 3,  /* network, remote API, repository access */
	PERF_EXIT_NOAPPLET = 127 /* unknown applet */
};

/* The name used in messages: "perf compare", or just "perf". */
void msg_set_applet(const char *applet);
const char *msg_prefix(void);

/* Verbosity: 0 normal, -1 quiet (no warnings), 1+ verbose. */
extern int msg_verbosity;
/* Number of warnings printed so far. */
extern unsigned long msg_warnings;

_Noreturn void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* die() with ": strerror(errno)" appended. */
_Noreturn void die_errno(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmsg(const char *kind, const char *fmt, va_list ap);

/* Tests replace exit() so that die() paths can be checked in-process. */
extern void (*msg_exit)(int status);

#endif
