#!/usr/bin/env python3
"""A loopback SMTP server (RFC 5321) on socketserver, for perf alert's
email tests.

    smtp.py --port-file FILE --log FILE [--auth USER:PASS] [--tempfail N]
            [--reject-rcpt ADDR] [--delay SECONDS] [--lifetime SECONDS]

Speaks EHLO/HELO, AUTH PLAIN and AUTH LOGIN (advertised with --auth, and
then required before MAIL), MAIL FROM, RCPT TO, DATA (dot-unstuffed),
RSET, NOOP and QUIT.  Each accepted message is appended to --log as one
JSON line: mail_from, rcpt, data (the message as received), auth (the user
who authenticated, or null).  --tempfail N answers the first N DATA with
451 (a transient failure), --reject-rcpt answers 550 for that address,
--delay waits before answering the end of DATA.
Standard library only; exits after --lifetime seconds.
"""
import argparse
import base64
import json
import os
import socketserver
import threading
import time

import common  # tests/servers/common.py: port file, signals, lifetime

lock = threading.Lock()
state = {"tempfails": 0}
args = None


class SMTPHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def check_auth(self, user, password):
        want_user, want_pass = args.auth.split(":", 1)
        return user == want_user and password == want_pass

    def handle(self):
        try:
            self.session()
        except (EOFError, ConnectionError, OSError):
            pass

    def session(self):
        self.reply("220 perfsuite-test ESMTP ready")
        mail_from, rcpt, user = None, [], None
        while True:
            line = self.readline()
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    self.reply("250 perfsuite-test")
                    continue
                self.wfile.write(b"250-perfsuite-test greets you\r\n")
                self.wfile.write(b"250-8BITMIME\r\n")
                if args.auth:
                    self.wfile.write(b"250-AUTH PLAIN LOGIN\r\n")
                self.reply("250 SIZE 10485760")
            elif verb == "AUTH":
                parts = arg.split()
                mech = parts[0].upper() if parts else ""
                if not args.auth:
                    self.reply("503 5.5.1 AUTH not available")
                    continue
                if mech == "PLAIN":
                    if len(parts) > 1:
                        blob = parts[1]
                    else:
                        self.reply("334 ")
                        blob = self.readline()
                    try:
                        _, u, pw = base64.b64decode(blob).decode().split("\0")
                    except Exception:
                        self.reply("501 5.5.2 cannot decode")
                        continue
                elif mech == "LOGIN":
                    if len(parts) > 1:
                        u = base64.b64decode(parts[1]).decode()
                    else:
                        self.reply("334 VXNlcm5hbWU6")
                        u = base64.b64decode(self.readline()).decode()
                    self.reply("334 UGFzc3dvcmQ6")
                    pw = base64.b64decode(self.readline()).decode()
                else:
                    self.reply("504 5.5.4 unrecognised mechanism")
                    continue
                if self.check_auth(u, pw):
                    user = u
                    self.reply("235 2.7.0 authentication successful")
                else:
                    self.reply("535 5.7.8 authentication credentials invalid")
            elif verb == "MAIL":
                if args.auth and not user:
                    self.reply("530 5.7.0 authentication required")
                    continue
                mail_from = arg.split(":", 1)[1].strip() if ":" in arg else arg
                mail_from = mail_from.split()[0].strip("<>") if mail_from else ""
                rcpt = []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                addr = arg.split(":", 1)[1].strip().split()[0].strip("<>")
                if args.reject_rcpt and addr == args.reject_rcpt:
                    self.reply("550 5.1.1 no such user")
                    continue
                rcpt.append(addr)
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpt:
                    self.reply("503 5.5.1 RCPT first")
                    continue
                self.reply("354 end data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if not raw:
                        raise EOFError
                    if raw in (b".\r\n", b".\n"):
                        break
                    if raw.startswith(b".."):
                        raw = raw[1:]
                    lines.append(raw)
                data = b"".join(lines).decode("utf-8", "replace")
                with lock:
                    fail = state["tempfails"] < args.tempfail
                    if fail:
                        state["tempfails"] += 1
                if args.delay:
                    time.sleep(args.delay)
                if fail:
                    self.reply("451 4.3.0 try again later")
                else:
                    with lock:
                        with open(args.log, "a") as f:
                            f.write(json.dumps({"mail_from": mail_from, "rcpt": rcpt,
                                                "data": data, "auth": user}) + "\n")
                    self.reply("250 2.0.0 queued")
                mail_from, rcpt = None, []
            elif verb == "RSET":
                mail_from, rcpt = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 command not recognised")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--auth")
    p.add_argument("--tempfail", type=int, default=0)
    p.add_argument("--reject-rcpt")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--lifetime", type=float, default=120)
    args = p.parse_args()
    srv = Server(("127.0.0.1", 0), SMTPHandler)
    common.run(srv, args.port_file, args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
