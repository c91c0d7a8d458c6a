"""Shared machinery for perfsuite's loopback stand-in servers (python3 stdlib).

A stand-in server binds 127.0.0.1 port 0, writes the port it got to a file
(atomically, so a test that sees the file sees the whole number), records
every request as a JSON line (method, path, query, headers, body) to a log
the tests read, and can be told to misbehave by a faults file: a JSON list
of rules, re-read whenever the file changes, each applied to matching
requests before the service's own handling:

    [{"method": "POST",              # or "*" (default)
      "path": "/repos/o/r/issues$",  # a regular expression searched in the path
      "times": 1,                    # how many requests it applies to; -1 = all
      "delay": 0.5,                  # seconds to wait first (a hang: a long delay)
      "status": 500,                 # answer this instead (omit: handle normally)
      "headers": {"Retry-After": "1", "X-RateLimit-Reset": "{now+2}"},
      "json": {"message": "..."},    # or "body": "raw text"
      "drop": true}]                 # close the connection without an answer

"{now}" and "{now+N}" in header values become the Unix time (plus N).  A
status without a body gets a GitHub-style {"message", "documentation_url"}.
The server exits on SIGTERM or SIGINT, or after --lifetime seconds.

Usage from a service module:

    class Handler(common.Handler):
        def handle_service(self, method, path, query, body): ...
            return status, headers_dict, body_bytes_or_obj
    common.main(Handler, extra_args=callback)
"""

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 << 20


class Faults:
    """The rules of a faults file, reloaded when its mtime changes."""

    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.rules = []
        self.lock = threading.Lock()

    def _reload(self):
        if not self.path:
            return
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            self.rules, self.mtime = [], None
            return
        if mtime == self.mtime:
            return
        with open(self.path, encoding="utf-8") as f:
            text = f.read()
        rules = json.loads(text) if text.strip() else []
        if not isinstance(rules, list):
            raise ValueError("%s: expected a JSON list of rules" % self.path)
        for r in rules:
            r.setdefault("times", 1)
            r["_re"] = re.compile(r.get("path", ""))
        self.rules, self.mtime = rules, mtime

    def match(self, method, path):
        """The first rule that applies to this request (consuming one use)."""
        with self.lock:
            self._reload()
            for r in self.rules:
                if r.get("method", "*") not in ("*", method):
                    continue
                if not r["_re"].search(path):
                    continue
                if r["times"] == 0:
                    continue
                if r["times"] > 0:
                    r["times"] -= 1
                return dict(r)
        return None


def expand(value):
    """{now} and {now+N} in a header value become Unix times."""
    def sub(m):
        return str(int(time.time()) + int(m.group(1) or 0))
    return re.sub(r"\{now(?:\+(\d+))?\}", sub, str(value))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "perfsuite-standin/1"
    documentation_url = "https://docs.github.com/rest"

    def log_message(self, fmt, *args):   # quiet: the JSON log is the record
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def _record(self, method, path, query, body):
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "headers": {k: v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "time": time.time(),
        }
        srv = self.server
        with srv.log_lock:
            if srv.log_path:
                with open(srv.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")

    def send(self, status, headers=None, body=b""):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        if body and "content-type" not in hdrs:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, expand(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def error_body(self, status, message=None):
        return {"message": message or self.responses.get(status, ("Error",))[0],
                "documentation_url": self.documentation_url}

    def _dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        method, path = self.command, url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        query = {k: v[-1] for k, v in query.items()}
        try:
            body = self._read_body()
        except ValueError:
            self.send(413, {}, self.error_body(413))
            return
        if not path.startswith("/__"):      # the tests' own peeks are not traffic
            self._record(method, path, query, body)
        rule = self.server.faults.match(method, path)
        if rule:
            if rule.get("delay"):
                time.sleep(float(rule["delay"]))
            if rule.get("drop"):
                self.close_connection = True
                return
            if rule.get("status"):
                st = int(rule["status"])
                if "json" in rule:
                    payload = rule["json"]
                elif "body" in rule:
                    payload = rule["body"]
                elif st >= 400:
                    payload = self.error_body(st)
                else:
                    payload = b""
                self.send(st, rule.get("headers", {}), payload)
                return
        status, headers, payload = self.handle_service(method, path, query, body)
        self.send(status, headers, payload)

    def handle_service(self, method, path, query, body):
        return 404, {}, self.error_body(404, "Not Found")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


def parse_args(extra_args=None, description=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port-file", required=True, help="write the bound port here")
    ap.add_argument("--log", help="append each request as a JSON line here")
    ap.add_argument("--faults", help="JSON list of fault rules, re-read on change")
    ap.add_argument("--lifetime", type=float, default=120.0,
                    help="exit after this many seconds (default 120)")
    if extra_args:
        extra_args(ap)
    return ap.parse_args()


def serve(handler, args, setup=None):
    """Bind, announce the port, serve until a signal or the lifetime ends."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    srv.log_lock = threading.Lock()
    srv.log_path = args.log
    srv.faults = Faults(args.faults)
    srv.args = args
    if setup:
        setup(srv)
    return run(srv, args.port_file, args.lifetime)


def run(srv, port_file, lifetime):
    """Announce srv's port in port_file (atomically, so a reader sees the
    whole number), then serve until SIGTERM, SIGINT or lifetime seconds."""
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, port_file)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(lifetime, stop)
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        timer.cancel()
        srv.server_close()
    return 0


def main(handler, extra_args=None, setup=None, description=None):
    args = parse_args(extra_args, description)
    sys.exit(serve(handler, args, setup))
