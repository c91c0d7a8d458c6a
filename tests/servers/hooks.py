#!/usr/bin/env python3
"""A loopback stand-in for Slack incoming webhooks, the PagerDuty Events
API v2, Alertmanager-style webhook receivers and metrics endpoints.

    hooks.py --port-file FILE --log FILE [--plan FILE] [--lifetime SECONDS]

Binds 127.0.0.1 on a free port and writes the port to --port-file.  Every
request is appended to --log as one JSON line: method, path, query, headers, the
body as text and parsed as JSON (or null), and the status answered.

--plan is a JSON file, read again on each request, mapping a path (without
the query) to the
answers to give in turn (the last one repeats), e.g.

    {"/slack": [{"status": 500}, {"status": 200, "body": "ok"}],
     "/pd": [{"status": 429, "headers": {"Retry-After": "1"}}, {"status": 202}],
     "/hang": [{"hang": 30}], "/slow": [{"delay": 1, "status": 200}]}

A path without a plan gets the service's usual answer: "ok" (Slack and
webhooks), 202 with {"status": "success", ...} for paths starting /pd or
/v2/enqueue.  Standard library only; exits after --lifetime seconds.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import common  # tests/servers/common.py: port file, signals, lifetime

lock = threading.Lock()
counters = {}
args = None


def load_plan():
    if not args.plan or not os.path.exists(args.plan):
        return {}
    with open(args.plan) as f:
        return json.load(f)


def next_answer(path):
    plan = load_plan()
    answers = plan.get(path)
    with lock:
        n = counters.get(path, 0)
        counters[path] = n + 1
    if not answers:
        return None
    return answers[min(n, len(answers) - 1)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def record(self, body, status):
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        path, _, query = self.path.partition("?")
        entry = {"method": self.command, "path": path, "query": query,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body, "json": parsed, "status": status,
                 "time": time.time()}
        with lock:
            with open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        plan = next_answer(self.path.partition("?")[0])
        if plan is None:
            if self.path.startswith("/pd") or self.path.startswith("/v2/enqueue"):
                plan = {"status": 202, "body": json.dumps(
                    {"status": "success", "message": "Event processed",
                     "dedup_key": (json.loads(body) if body else {}).get("dedup_key")})}
            else:
                plan = {"status": 200, "body": "ok"}
        if "hang" in plan:
            self.record(body, 0)
            time.sleep(float(plan["hang"]))
            return
        if "delay" in plan:
            time.sleep(float(plan["delay"]))
        status = int(plan.get("status", 200))
        self.record(body, status)
        if "body_file" in plan:
            with open(plan["body_file"], "rb") as f:
                out = f.read()
        else:
            out = plan.get("body", "").encode()
        self.send_response(status)
        for k, v in plan.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", plan.get("content_type", "text/plain"))
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = answer
    do_POST = answer
    do_PUT = answer


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--plan")
    p.add_argument("--lifetime", type=float, default=120)
    args = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    common.run(srv, args.port_file, args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
