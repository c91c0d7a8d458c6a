/* libcurl, loaded when it is first used.
 *
 * Most runs of perf never speak HTTP (compare, bisect, weekly), yet
 * linking libcurl makes every run load and relocate it and the twenty-odd
 * libraries it needs (TLS, IDN, LDAP, SSH, HTTP/2, ...) and run their
 * constructors: 2.8 ms here, a few percent of a perf compare and more of a
 * short one.  So perf is not linked with libcurl.  This file defines the
 * libcurl functions perf calls; the first call dlopen()s libcurl and each
 * definition calls through to the real one.
 *
 * curl_easy_setopt and curl_easy_getinfo are variadic and cannot pass
 * their va_list on; they take the one argument with the type libcurl's
 * option and info numbers encode (CURLOPTTYPE_*, CURLINFO_* ranges), as
 * language bindings of libcurl do.  Function pointers travel as
 * void (*)(void): POSIX guarantees that all function pointers share one
 * representation (dlsym relies on it too).
 *
 * This file alone includes <curl/curl.h> without libcurl's type-checking
 * macros, so that it can define functions of those names. */
#include <config.h>

#define CURL_DISABLE_TYPECHECK 1

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#include <curl/curl.h>

#include "msg.h"

/* The functions perf uses: return type, name, parameters. */
#define PERF_CURL_FUNCTIONS(F) \
	F(CURLcode, curl_global_init, (long)) \
	F(void, curl_global_cleanup, (void)) \
	F(time_t, curl_getdate, (const char *, const time_t *)) \
	F(CURL *, curl_easy_init, (void)) \
	F(void, curl_easy_cleanup, (CURL *)) \
	F(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...)) \
	F(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...)) \
	F(const char *, curl_easy_strerror, (CURLcode)) \
	F(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *)) \
	F(void, curl_slist_free_all, (struct curl_slist *)) \
	F(CURLM *, curl_multi_init, (void)) \
	F(CURLMcode, curl_multi_cleanup, (CURLM *)) \
	F(CURLMcode, curl_multi_add_handle, (CURLM *, CURL *)) \
	F(CURLMcode, curl_multi_remove_handle, (CURLM *, CURL *)) \
	F(CURLMcode, curl_multi_perform, (CURLM *, int *)) \
	F(CURLMcode, curl_multi_poll, (CURLM *, struct curl_waitfd *, unsigned int, int, int *)) \
	F(CURLMsg *, curl_multi_info_read, (CURLM *, int *))

static struct {
#define F(ret, name, params) ret(*name) params;
	PERF_CURL_FUNCTIONS(F)
#undef F
} real;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void)
{
	/* RTLD_LOCAL: libcurl's symbols stay out of the global scope, so
	 * its own calls never meet the definitions below. */
	void *lib = dlopen(PERF_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		die(PERF_EXIT_EXTERNAL, "cannot load libcurl: %s", dlerror());
#define F(ret, name, params) \
	if (!(*(void **)&real.name = dlsym(lib, #name))) \
		die(PERF_EXIT_EXTERNAL, "cannot load libcurl: %s has no %s", PERF_LIBCURL_SONAME, #name);
	PERF_CURL_FUNCTIONS(F)
#undef F
}

static void need(void)
{
	pthread_once(&loaded, load);
}

CURLcode curl_global_init(long flags)
{
	need();
	return real.curl_global_init(flags);
}

void curl_global_cleanup(void)
{
	need();
	real.curl_global_cleanup();
}

time_t curl_getdate(const char *p, const time_t *unused)
{
	need();
	return real.curl_getdate(p, unused);
}

CURL *curl_easy_init(void)
{
	need();
	return real.curl_easy_init();
}

void curl_easy_cleanup(CURL *h)
{
	need();
	real.curl_easy_cleanup(h);
}

typedef void (*any_function)(void);

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	need();
	va_list ap;
	va_start(ap, option);
	CURLcode rc;
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, any_function));
	else if (option < CURLOPTTYPE_OFF_T + 10000)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, curl_off_t));
	else
		rc = real.curl_easy_setopt(h, option, va_arg(ap, void *));  /* blobs */
	va_end(ap);
	return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	need();
	va_list ap;
	va_start(ap, info);
	CURLcode rc = real.curl_easy_getinfo(h, info, va_arg(ap, void *));  /* always a pointer */
	va_end(ap);
	return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
	need();
	return real.curl_easy_strerror(code);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	need();
	return real.curl_slist_append(list, s);
}

void curl_slist_free_all(struct curl_slist *list)
{
	need();
	real.curl_slist_free_all(list);
}

CURLM *curl_multi_init(void)
{
	need();
	return real.curl_multi_init();
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	need();
	return real.curl_multi_cleanup(m);
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	need();
	return real.curl_multi_add_handle(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	need();
	return real.curl_multi_remove_handle(m, h);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	need();
	return real.curl_multi_perform(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd *extra, unsigned int nextra, int timeout_ms,
			  int *ret)
{
	need();
	return real.curl_multi_poll(m, extra, nextra, timeout_ms, ret);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	need();
	return real.curl_multi_info_read(m, left);
}
