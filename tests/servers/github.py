#!/usr/bin/env python3
"""A stand-in for the GitHub REST API on 127.0.0.1, for perf respond's tests.

Speaks the documented wire format of the endpoints perf uses:

  GET  /repos/{owner}/{repo}                           the repository
  GET  /repos/{owner}/{repo}/issues                    state, labels, per_page, page; Link pagination
  POST /repos/{owner}/{repo}/issues                    {"title", "body", "labels"} -> 201
  POST /repos/{owner}/{repo}/issues/{n}/comments       {"body"} -> 201
  POST /repos/{owner}/{repo}/actions/workflows/{id}/dispatches  {"ref"} -> 204
  GET  /__state                                        (no auth) everything it holds, for tests

Requests need "Authorization: Bearer TOKEN" (--token), else 401 "Bad
credentials".  Issues live in memory, so a second perf run against the same
server finds the first run's issue.  Rate-limit headers are sent on every
answer; errors, delays and rate limits come from the faults file (see
common.py).  Pull requests (--pulls N) appear in the issue list like on
GitHub; --seed N opens N unrelated regression issues first (for paging).

  github.py --port-file F [--log F] [--faults F] --token T
            --repo OWNER/NAME[:DEFAULT_BRANCH] [--workflow FILE]...
            [--branch NAME]... [--seed N] [--pulls N] [--prefix /api/v3]
"""

import json
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

HTML_BASE = "https://github.com"


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.repos = {}
        self.next_comment = 1000
        for spec in args.repo or ["octo/app"]:
            name, _, branch = spec.partition(":")
            self.repos[name] = {
                "default_branch": branch or "main",
                "branches": set([branch or "main"] + (args.branch or [])),
                "workflows": set(args.workflow or ["emergency-rollback.yml"]),
                "issues": [],
                "comments": [],
                "dispatches": [],
            }
        for name, repo in self.repos.items():
            for i in range(args.pulls):
                self._add(repo, name, "Some pull request %d" % i, "", ["performance", "regression"],
                          pull=True)
            for i in range(args.seed):
                self._add(repo, name, "Older regression %d" % i,
                          "<!-- perfsuite:regression type=seed_%d -->" % i,
                          ["performance", "regression"])

    def _add(self, repo, name, title, body, labels, pull=False):
        n = len(repo["issues"]) + 1
        full = [k for k, v in self.repos.items() if v is repo][0]
        issue = {
            "id": 100000 + n,
            "number": n,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": l} for l in labels],
            "url": "https://api.github.invalid/repos/%s/issues/%d" % (full, n),
            "html_url": "%s/%s/%s/%d" % (HTML_BASE, full, "pull" if pull else "issues", n),
            "comments": 0,
        }
        if pull:
            issue["pull_request"] = {"url": issue["url"].replace("issues", "pulls")}
        repo["issues"].append(issue)
        return issue


class Handler(common.Handler):
    def rate_headers(self):
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999",
                "X-RateLimit-Reset": "{now+3600}", "X-RateLimit-Resource": "core"}

    def handle_service(self, method, path, query, body):
        st = self.server.state
        if path == "/__state":
            with st.lock:
                dump = {k: dict(v, branches=sorted(v["branches"]), workflows=sorted(v["workflows"]))
                        for k, v in st.repos.items()}
            return 200, {}, dump
        prefix = self.server.args.prefix.rstrip("/")
        if prefix:
            if not path.startswith(prefix + "/"):
                return 404, {}, self.error_body(404, "Not Found")
            path = path[len(prefix):]
        auth = self.headers.get("Authorization", "")
        if auth != "Bearer " + self.server.args.token:
            return 401, {}, self.error_body(401, "Bad credentials")
        h = self.rate_headers()
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", path)
        if not m:
            return 404, h, self.error_body(404, "Not Found")
        name, rest = m.group(1), m.group(2) or ""
        with st.lock:
            repo = st.repos.get(name)
            if repo is None:
                return 404, h, self.error_body(404, "Not Found")
            return self.route(st, repo, name, method, rest, query, body, h)

    def route(self, st, repo, name, method, rest, query, body, h):
        if rest == "" and method == "GET":
            owner, _, short = name.partition("/")
            return 200, h, {"id": 1, "name": short, "full_name": name,
                            "owner": {"login": owner}, "private": False,
                            "default_branch": repo["default_branch"]}
        if rest == "/issues" and method == "GET":
            return self.list_issues(repo, name, query, h)
        if rest == "/issues" and method == "POST":
            data, err = self.json_body(body)
            if err:
                return 400, h, self.error_body(400, err)
            title = data.get("title")
            if not isinstance(title, str) or not title:
                return 422, h, {"message": "Validation Failed",
                                "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                                "documentation_url": self.documentation_url}
            labels = data.get("labels") or []
            if not isinstance(labels, list) or not all(isinstance(l, str) for l in labels):
                return 422, h, {"message": "Invalid request.\n\nFor 'properties/labels', is not an array of strings.",
                                "documentation_url": self.documentation_url}
            issue = st._add(repo, name, title, data.get("body") or "", labels)
            return 201, dict(h, Location=issue["url"]), issue
        m = re.fullmatch(r"/issues/(\d+)/comments", rest)
        if m and method == "POST":
            n = int(m.group(1))
            issue = next((i for i in repo["issues"] if i["number"] == n), None)
            if issue is None:
                return 404, h, self.error_body(404, "Not Found")
            data, err = self.json_body(body)
            if err:
                return 400, h, self.error_body(400, err)
            if not isinstance(data.get("body"), str) or not data["body"]:
                return 422, h, {"message": "Validation Failed",
                                "errors": [{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
                                "documentation_url": self.documentation_url}
            st.next_comment += 1
            issue["comments"] += 1
            c = {"id": st.next_comment, "issue_number": n, "body": data["body"],
                 "html_url": "%s#issuecomment-%d" % (issue["html_url"], st.next_comment)}
            repo["comments"].append(c)
            return 201, h, c
        m = re.fullmatch(r"/actions/workflows/([^/]+)/dispatches", rest)
        if m and method == "POST":
            wf = urllib.parse.unquote(m.group(1))
            if wf not in repo["workflows"]:
                return 404, h, self.error_body(404, "Not Found")
            data, err = self.json_body(body)
            if err:
                return 400, h, self.error_body(400, err)
            ref = data.get("ref")
            if not isinstance(ref, str) or not ref:
                return 422, h, {"message": "Invalid request.\n\n\"ref\" wasn't supplied.",
                                "documentation_url": self.documentation_url}
            if ref not in repo["branches"]:
                return 422, h, {"message": "No ref found for: %s" % ref,
                                "documentation_url": self.documentation_url}
            repo["dispatches"].append({"workflow": wf, "ref": ref, "inputs": data.get("inputs")})
            return 204, h, b""
        return 404, h, self.error_body(404, "Not Found")

    def json_body(self, body):
        try:
            data = json.loads(body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            return None, "Problems parsing JSON"
        if not isinstance(data, dict):
            return None, "Problems parsing JSON"
        return data, None

    def list_issues(self, repo, name, query, h):
        state = query.get("state", "open")
        want = [l for l in query.get("labels", "").split(",") if l]
        try:
            per_page = min(max(int(query.get("per_page", "30")), 1), 100)
            page = max(int(query.get("page", "1")), 1)
        except ValueError:
            return 422, h, self.error_body(422, "Validation Failed")
        items = [i for i in reversed(repo["issues"])        # newest first, like GitHub
                 if (state == "all" or i["state"] == state)
                 and all(l in [x["name"] for x in i["labels"]] for l in want)]
        chunk = items[(page - 1) * per_page:page * per_page]
        last = max(1, (len(items) + per_page - 1) // per_page)
        links = []
        port = self.server.server_address[1]

        def link(p, rel):
            q = dict(query, page=str(p), per_page=str(per_page))
            return '<http://127.0.0.1:%d%s/repos/%s/issues?%s>; rel="%s"' % (
                port, self.server.args.prefix.rstrip("/"), name, urllib.parse.urlencode(q, safe=","), rel)
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
            links.append(link(page - 1, "prev"))
        if links:
            h = dict(h, Link=", ".join(links))
        return 200, h, chunk


def extra(ap):
    ap.add_argument("--token", required=True, help="the only token accepted")
    ap.add_argument("--repo", action="append", help="OWNER/NAME[:DEFAULT_BRANCH] (repeatable)")
    ap.add_argument("--workflow", action="append", help="workflow files that exist (repeatable)")
    ap.add_argument("--branch", action="append", help="further branches that exist (repeatable)")
    ap.add_argument("--seed", type=int, default=0, help="open N unrelated regression issues first")
    ap.add_argument("--pulls", type=int, default=0, help="open N pull requests first")
    ap.add_argument("--prefix", default="", help="serve under this path, e.g. /api/v3 (Enterprise)")


def setup(srv):
    srv.state = State(srv.args)


if __name__ == "__main__":
    common.main(Handler, extra_args=extra, setup=setup, description=__doc__)
