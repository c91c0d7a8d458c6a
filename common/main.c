/* perf: the multicall binary.  Dispatches on "perf APPLET ..." and on links
 * named "perf-APPLET" (busybox style); the table comes from
 * applets/applets.def.  After the applet returns, stdout is flushed and
 * checked, so "perf compare ... > /dev/full" fails with status 2. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "msg.h"

const struct applet applet_table[] = {
#define APPLET(name, summary) { #name, summary, cmd_##name },
#include "../applets/applets.def"
#undef APPLET
};
const unsigned applet_count = sizeof applet_table / sizeof applet_table[0];

const struct applet *applet_find(const char *name)
{
	for (unsigned i = 0; i < applet_count; i++)
		if (!strcmp(applet_table[i].name, name))
			return &applet_table[i];
	return NULL;
}

static int check_stdout(void)
{
	/* git's run_builtin(): a report that did not reach its reader is a
	 * failure, not a success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno ? errno : EIO;
		fprintf(stderr, "%s: write error on standard output: %s\n", msg_prefix(), strerror(e));
		return PERF_EXIT_TROUBLE;
	}
	if (fclose(stdout) != 0) {
		fprintf(stderr, "%s: write error on standard output: %s\n", msg_prefix(), strerror(errno));
		return PERF_EXIT_TROUBLE;
	}
	return 0;
}

int applet_run(const struct applet *a, int argc, char **argv)
{
	msg_set_applet(a->name);
	int rc = a->fn(argc, argv);
	int out = check_stdout();
	return out ? out : rc;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: perf APPLET [OPTION]... [ARG]...\n"
		"       perf-APPLET [OPTION]... [ARG]...\n"
		"Keep a project's performance from quietly decaying.\n"
		"\n"
		"Applets:\n");
	for (unsigned i = 0; i < applet_count; i++)
		fprintf(fp, "  %-10s %s\n", applet_table[i].name, applet_table[i].summary);
	fprintf(fp,
		"\n"
		"Options:\n"
		"  --list       print the applet names, one a line\n"
		"  --version    print the version and exit\n"
		"  --help       print this help and exit\n"
		"\n"
		"Run 'perf APPLET --help' for an applet's options; see perf(1).\n"
		"Exit status: 0 nothing found, 1 something found, 2 trouble,\n"
		"3 external failure, 127 unknown applet.\n");
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? base_name(argv[0]) : "perf";

	/* perf-APPLET (or any NAME-APPLET link, so a renamed install works). */
	const char *dash = strrchr(self, '-');
	if (dash) {
		const struct applet *a = applet_find(dash + 1);
		if (a) {
			argv[0] = (char *)a->name;
			return applet_run(a, argc, argv);
		}
	}

	if (argc < 2) {
		usage(stderr);
		return PERF_EXIT_TROUBLE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			const struct applet *a = applet_find(argv[2]);
			if (a) {
				char *hargv[] = { (char *)a->name, "--help", NULL };
				return applet_run(a, 2, hargv);
			}
		}
		usage(stdout);
		return check_stdout();
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("perf (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return check_stdout();
	}
	if (!strcmp(cmd, "--list")) {
		for (unsigned i = 0; i < applet_count; i++)
			puts(applet_table[i].name);
		return check_stdout();
	}
	if (cmd[0] == '-') {
		fprintf(stderr, "perf: unknown option '%s'\n", cmd);
		usage(stderr);
		return PERF_EXIT_TROUBLE;
	}
	const struct applet *a = applet_find(cmd);
	if (!a) {
		fprintf(stderr, "perf: '%s' is not a perf applet; see 'perf --list'\n", cmd);
		return PERF_EXIT_NOAPPLET;
	}
	return applet_run(a, argc - 1, argv + 1);
}
