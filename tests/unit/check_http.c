/* Unit tests for common/http.c: URL redaction, Retry-After, header lookup,
 * and real transfers against a small HTTP server on 127.0.0.1 that the
 * test forks itself, answering each connection from a script. */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_suites.h"
#include "http.h"
#include "util.h"

/* ---- pure functions ---- */

START_TEST(test_redact_url)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/***" },
		{ "http://127.0.0.1:8080/path?token=abc#frag", "http://127.0.0.1:8080/***" },
		{ "https://user:secret@example.com/x", "https://example.com/***" },
		{ "https://example.com", "https://example.com/***" },
		{ "https://example.com?key=1", "https://example.com/***" },
		{ "http://[::1]:99/a", "http://[::1]:99/***" },
		{ "not a url", "***" },
		{ "://nohost", "***" },
		{ "", "***" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *r = http_redact_url(cases[i].in);
		ck_assert_str_eq(r, cases[i].out);
		free(r);
	}
	char *r = http_redact_url(NULL);
	ck_assert_str_eq(r, "***");
	free(r);
}
END_TEST

START_TEST(test_retry_after)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	const long long t = 784111777LL;
	ck_assert_int_eq(http_parse_retry_after("120", t), 120000);
	ck_assert_int_eq(http_parse_retry_after(" 5 ", t), 5000);
	ck_assert_int_eq(http_parse_retry_after("0", t), 0);
	ck_assert_int_eq(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 10), 10000);
	ck_assert_int_eq(http_parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", t - 3), 3000);
	ck_assert_int_eq(http_parse_retry_after("Sun Nov  6 08:49:37 1994", t - 7), 7000);
	ck_assert_int_eq(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t + 100), 0);
	ck_assert_int_gt(http_parse_retry_after("99999999999999999999999", t), 1000000000L);
	const char *bad[] = { "", "   ", "soon", "-5", "12abc", "1.5", NULL };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(http_parse_retry_after(bad[i], t) == -1, "%s", bad[i] ? bad[i] : "NULL");
}
END_TEST

START_TEST(test_header)
{
	struct http_response r;
	memset(&r, 0, sizeof r);
	sb_adds(&r.headers, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"X-RateLimit-Remaining:  0 \r\nLink: <https://x/?page=2>; rel=\"next\"\r\n"
		"Retry-After:\r\n\r\n");
	char *v = http_header(&r, "content-type");
	ck_assert_str_eq(v, "application/json");
	free(v);
	v = http_header(&r, "x-ratelimit-remaining");
	ck_assert_str_eq(v, "0");
	free(v);
	v = http_header(&r, "LINK");
	ck_assert_str_eq(v, "<https://x/?page=2>; rel=\"next\"");
	free(v);
	v = http_header(&r, "retry-after");
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_ptr_null(http_header(&r, "content"));
	ck_assert_ptr_null(http_header(&r, "x-missing"));
	http_response_free(&r);
	memset(&r, 0, sizeof r);
	ck_assert_ptr_null(http_header(&r, "content-type"));
}
END_TEST

/* ---- a scripted loopback server ---- */

#define ECHO "ECHO"       /* reply with the request itself as the body */

struct server {
	pid_t pid;
	int port;
};

static void read_request(int fd, struct strbuf *req)
{
	char buf[4096];
	size_t need = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return;
		sb_add(req, buf, (size_t)n);
		char *end = strstr(req->buf, "\r\n\r\n");
		if (!end)
			continue;
		if (!need) {
			const char *cl = strcasestr_ascii(req->buf, "\r\nContent-Length:");
			size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
			need = (size_t)(end + 4 - req->buf) + body;
		}
		if (req->len >= need)
			return;
	}
}

static void reply(int fd, const char *script, const struct strbuf *req)
{
	struct strbuf out = STRBUF_INIT;
	if (!strcmp(script, ECHO))
		sb_addf(&out, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			req->len, req->buf);
	else
		sb_adds(&out, script);
	size_t off = 0;
	while (off < out.len) {
		ssize_t n = write(fd, out.buf + off, out.len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	sb_release(&out);
}

/* Answer one connection per script entry; with batch > 1 accept that many
 * connections before answering any (which only concurrent clients pass). */
static struct server server_start(const char *const *script, int n, int batch)
{
	struct server s = { 0, 0 };
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(lfd, 16), 0);
	socklen_t len = sizeof a;
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	s.port = ntohs(a.sin_port);
	s.pid = fork();
	ck_assert_int_ge(s.pid, 0);
	if (s.pid == 0) {
		alarm(20);
		for (int i = 0; i < n; i += batch) {
			int fds[16];
			int k = batch < n - i ? batch : n - i;
			for (int j = 0; j < k; j++)
				fds[j] = accept(lfd, NULL, NULL);
			for (int j = 0; j < k; j++) {
				struct strbuf req = STRBUF_INIT;
				sb_adds(&req, "");
				read_request(fds[j], &req);
				reply(fds[j], script[i + j], &req);
				sb_release(&req);
				close(fds[j]);
			}
		}
		_exit(0);
	}
	close(lfd);
	return s;
}

static int server_wait(struct server *s)
{
	int st = 0;
	waitpid(s->pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *url_for(const struct server *s, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", s->port, path);
}

static const char ok_body[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

START_TEST(test_retry_5xx_then_ok)
{
	const char *script[] = {
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		ok_body,
	};
	struct server s = server_start(script, 3, 1);
	char *url = url_for(&s, "/secret-path?token=abc");
	struct http_request req = { .url = url, .retries = 3, .backoff_ms = 1 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(resp.attempts, 3);
	ck_assert_str_eq(resp.body.buf, "ok");
	char *ct = http_header(&resp, "Content-Type");
	ck_assert_str_eq(ct, "text/plain");
	free(ct);
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_no_retry_4xx)
{
	const char *script[] = {
		"HTTP/1.1 404 Not Found\r\nContent-Length: 22\r\nConnection: close\r\n\r\n{\"message\":\"Not Found\"}",
	};
	struct server s = server_start(script, 1, 1);
	char *url = url_for(&s, "/repos/o/r?secret=1");
	struct http_request req = { .url = url, .retries = 3, .backoff_ms = 1 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), 1);
	ck_assert_int_eq(resp.status, 404);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_ptr_nonnull(strstr(resp.body.buf, "Not Found"));
	ck_assert_ptr_nonnull(strstr(resp.error, "HTTP 404"));
	ck_assert_ptr_null(strstr(resp.error, "secret"));
	ck_assert_ptr_null(strstr(resp.error, "/repos"));
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_retry_after_too_long)
{
	const char *script[] = {
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	};
	struct server s = server_start(script, 1, 1);
	char *url = url_for(&s, "/x");
	struct http_request req = { .url = url, .retries = 3, .backoff_ms = 1, .max_retry_after_ms = 2000 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), 1);
	ck_assert_int_eq(resp.status, 429);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_msg(strstr(resp.error, "retry after 3600 s, longer than the 2 s allowed"), "%s", resp.error);
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_retries_exhausted)
{
	const char *e500 = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad";
	const char *script[] = { e500, e500, e500 };
	struct server s = server_start(script, 3, 1);
	char *url = url_for(&s, "/x");
	struct http_request req = { .url = url, .retries = 2, .backoff_ms = 1 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), 1);
	ck_assert_int_eq(resp.status, 502);
	ck_assert_int_eq(resp.attempts, 3);
	ck_assert_str_eq(resp.body.buf, "bad");
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_body_cap)
{
	const char *script[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
		"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
	};
	struct server s = server_start(script, 1, 1);
	char *url = url_for(&s, "/big");
	struct http_request req = { .url = url, .max_body = 10, .retries = 3, .backoff_ms = 1 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), -1);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_msg(strstr(resp.error, "larger than 10 bytes"), "%s", resp.error);
	ck_assert_ptr_null(strstr(resp.error, "/big"));
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_connection_refused)
{
	/* Bind a port, then close it: nothing listens there. */
	const char *script[] = { ok_body };
	struct server s = server_start(script, 1, 1);
	char *probe = url_for(&s, "/");
	struct http_request preq = { .url = probe };
	struct http_response presp;
	ck_assert_int_eq(http_perform(&preq, &presp), 0);
	http_response_free(&presp);
	ck_assert_int_eq(server_wait(&s), 0);
	char *url = url_for(&s, "/hook/SECRET?key=PLANTED");
	struct http_request req = { .url = url, .retries = 2, .backoff_ms = 1 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), -1);
	ck_assert_int_eq(resp.attempts, 3);
	ck_assert_int_eq(resp.status, 0);
	ck_assert_msg(strstr(resp.error, "after 3 attempts"), "%s", resp.error);
	ck_assert_msg(strstr(resp.error, "http://127.0.0.1:"), "%s", resp.error);
	ck_assert_ptr_null(strstr(resp.error, "SECRET"));
	ck_assert_ptr_null(strstr(resp.error, "PLANTED"));
	http_response_free(&resp);
	free(url);
	free(probe);
}
END_TEST

START_TEST(test_request_sent)
{
	const char *script[] = { ECHO };
	struct server s = server_start(script, 1, 1);
	char *url = url_for(&s, "/post");
	const char *headers[] = { "Content-Type: application/json", "X-Test: yes", NULL };
	const char body[] = "{\"a\": 1}";
	struct http_request req = { .method = "PATCH", .url = url, .headers = headers,
				    .body = body, .body_len = strlen(body) };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), 0);
	const char *got = resp.body.buf;
	ck_assert_msg(!strncmp(got, "PATCH /post HTTP/1.1\r\n", 22), "%s", got);
	ck_assert_msg(strstr(got, "\r\nUser-Agent: perfsuite/" PACKAGE_VERSION "\r\n"), "%s", got);
	ck_assert_msg(strstr(got, "\r\nX-Test: yes\r\n"), "%s", got);
	ck_assert_msg(strstr(got, "\r\nContent-Type: application/json\r\n"), "%s", got);
	ck_assert_msg(!strstr(got, "Expect:"), "%s", got);
	ck_assert_msg(strstr(got, "\r\n\r\n{\"a\": 1}"), "%s", got);
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_no_redirect)
{
	const char *script[] = {
		"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	};
	struct server s = server_start(script, 1, 1);
	char *url = url_for(&s, "/r");
	struct http_request req = { .url = url };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), 0);
	ck_assert_int_eq(resp.status, 302);
	ck_assert_int_eq(resp.attempts, 1);
	http_response_free(&resp);
	ck_assert_int_eq(server_wait(&s), 0);
	free(url);
}
END_TEST

START_TEST(test_protocols)
{
	struct http_request req = { .url = "file:///etc/passwd", .retries = 0 };
	struct http_response resp;
	ck_assert_int_eq(http_perform(&req, &resp), -1);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_ptr_null(strstr(resp.body.buf, "root"));
	ck_assert_ptr_null(strstr(resp.error, "passwd"));
	http_response_free(&resp);
}
END_TEST

/* Three requests the server only answers once all three are connected:
 * a client that sent them one after another would time out. */
START_TEST(test_many_concurrent)
{
	const char *script[] = { ECHO, ECHO,
		"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nretry" };
	struct server s = server_start(script, 4, 3);
	char *u[3] = { url_for(&s, "/a"), url_for(&s, "/b"), url_for(&s, "/c") };
	struct http_request reqs[3];
	memset(reqs, 0, sizeof reqs);
	for (int i = 0; i < 3; i++) {
		reqs[i].url = u[i];
		reqs[i].timeout_ms = 8000;
		reqs[i].backoff_ms = 1;
		reqs[i].retries = 1;
	}
	struct http_response resps[3];
	ck_assert_int_eq(http_perform_many(reqs, resps, 3), 0);
	int retried = 0;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(resps[i].result, 0);
		ck_assert_int_eq(resps[i].status, 200);
		if (resps[i].attempts == 2) {
			retried++;
			ck_assert_str_eq(resps[i].body.buf, "retry");
		} else {
			char *want = xasprintf("GET /%c HTTP/1.1\r\n", 'a' + i);
			ck_assert_msg(!strncmp(resps[i].body.buf, want, strlen(want)), "%s", resps[i].body.buf);
			free(want);
		}
		http_response_free(&resps[i]);
		free(u[i]);
	}
	ck_assert_int_eq(retried, 1);
	ck_assert_int_eq(server_wait(&s), 0);
	ck_assert_int_eq(http_perform_many(reqs, resps, 0), 0);
}
END_TEST

Suite *suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_redact_url);
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_retry_5xx_then_ok);
	tcase_add_test(tc, test_no_retry_4xx);
	tcase_add_test(tc, test_retry_after_too_long);
	tcase_add_test(tc, test_retries_exhausted);
	tcase_add_test(tc, test_body_cap);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_request_sent);
	tcase_add_test(tc, test_no_redirect);
	tcase_add_test(tc, test_protocols);
	tcase_add_test(tc, test_many_concurrent);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
