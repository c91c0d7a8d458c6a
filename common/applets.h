/* Applet entry points, generated from applets/applets.def. */
#ifndef PERF_APPLETS_H
#define PERF_APPLETS_H

#define APPLET(name, summary) int cmd_##name(int argc, char **argv);
#include "../applets/applets.def"
#undef APPLET

struct applet {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
};

extern const struct applet applet_table[];
extern const unsigned applet_count;
const struct applet *applet_find(const char *name);
/* Run an applet: sets the message prefix, runs it, checks stdout. */
int applet_run(const struct applet *a, int argc, char **argv);

#endif
