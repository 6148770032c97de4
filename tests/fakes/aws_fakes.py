#!/usr/bin/env python3
"""Loopback fakes for the parts of AWS that cannot run here, for rolecall's tests and
benchmarks. Each follows the documented protocol (IAM User Guide, "Enable custom identity
broker access to the AWS console"):

* STS: a proxy in front of a real moto server. It forwards every request byte for byte
  (keeping the Host header, so moto can check the SigV4 signature), counts requests, can
  delay them, and records the credentials moto issues. moto accepts any MFA code, so the
  proxy answers the code 000000 the way AWS answers a wrong one (403 AccessDenied,
  "MultiFactorAuthentication failed with invalid MFA one time pass code.").
* Federation (sign-in) endpoint: `Action=getSigninToken` takes `Session` JSON with exactly
  the keys sessionId/sessionKey/sessionToken, accepts only credentials moto issued (as the
  real endpoint accepts only real credentials), checks `SessionDuration` (900..43200), and
  issues a token valid for 15 minutes. `Action=login` accepts such a token, sets a session
  cookie and redirects to the Destination.
* Console: any path renders the identity of the session cookie as
  `<main id="identity">arn:aws:sts::…:assumed-role/…</main>`.
* `GET <signin origin>/_fake/stats`: counters and records as JSON; `POST /_fake/reset`.
* `POST /_fake/fault` with `{"sts": MODE, "signin": MODE}` makes the next requests fail the
  ways real networks and services do, until reset (tests of rolecall's error paths):
  STS `hang` (no answer), `500` (InternalFailure), `garbage` (200 with a body that is not
  XML), `throttle` (400 Throttling); sign-in `hang`, `400` (AWS's bare "Bad Request" page),
  `500`, `not-json` (200 with an HTML page), `no-token` (200 JSON without SigninToken).
  `sts_busy_ms` / `signin_busy_ms` add up the time spent answering STS and getSigninToken
  requests (the injected delay plus moto's or the fake's own work), so the benchmark can
  tell the client's share of a request's latency from the upstream's.

Usage: aws_fakes.py --moto-url URL [--delay-ms N]. Prints one JSON line with the URLs.
"""

import argparse
import http.client
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_LIFETIME = 15 * 60
MFA_REJECTED_CODE = "000000"


class State:
    def __init__(self, delay_ms):
        self.lock = threading.Lock()
        self.delay = delay_ms / 1000.0
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.sts_requests = {}
            self.sts_calls = []
            self.issued = {}  # AccessKeyId -> {secret, token, arn}
            self.signin_requests = {}
            self.tokens = {}  # SigninToken -> {arn, access_key_id, session_duration, issued_at}
            self.console_sessions = {}  # cookie -> arn
            self.logins = []
            self.console_views = []
            self.rejections = []
            self.sts_busy_ms = 0.0
            self.signin_busy_ms = 0.0
            self.faults = {"sts": None, "signin": None}

    def count(self, table, key):
        with self.lock:
            table[key] = table.get(key, 0) + 1

    def stats(self):
        with self.lock:
            return {
                "sts_requests": dict(self.sts_requests),
                "sts_calls": list(self.sts_calls),
                "issued_access_key_ids": sorted(self.issued),
                # For the tests that check no secret leaks: what to look for.
                "issued_secrets": sorted(
                    v for i in self.issued.values() for v in (i["secret"], i["token"])
                ),
                "signin_requests": dict(self.signin_requests),
                "tokens": [
                    {"token": t, **{k: v for k, v in info.items()}}
                    for t, info in self.tokens.items()
                ],
                "logins": list(self.logins),
                "console_views": list(self.console_views),
                "rejections": list(self.rejections),
                "sts_busy_ms": self.sts_busy_ms,
                "signin_busy_ms": self.signin_busy_ms,
            }

    def busy(self, attr, started):
        with self.lock:
            setattr(self, attr, getattr(self, attr) + (time.perf_counter() - started) * 1000)


def hang(state, which, limit=60.0):
    """Holds a request without answering until the fault is cleared (or a minute passes)."""
    end = time.monotonic() + limit
    while time.monotonic() < end and state.faults.get(which) == "hang":
        time.sleep(0.05)


def signing_region(authorization):
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/sts/aws4_request", authorization)
    return m.group(1) if m else None


def sts_error(code, message, status=403):
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{secrets.token_hex(16)}</RequestId></ErrorResponse>"
    )
    return status, body.encode()


def make_sts_proxy(state, moto):
    moto_url = urllib.parse.urlsplit(moto)

    class StsProxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # http.server sends headers and body in two writes: with Nagle on, the body of a
        # reply on a kept-alive connection waits for the client's delayed ACK (40 ms).
        # AWS has no such stall; clients that reuse connections must not pay for it here.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):
            started = time.perf_counter()
            try:
                self.proxy()
            finally:
                state.busy("sts_busy_ms", started)

        def proxy(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            form = dict(urllib.parse.parse_qsl(body.decode()))
            action = form.get("Action", "?")
            state.count(state.sts_requests, action)
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                state.sts_calls.append(
                    {
                        "action": action,
                        "role_arn": form.get("RoleArn"),
                        "role_session_name": form.get("RoleSessionName"),
                        "duration_seconds": form.get("DurationSeconds"),
                        "external_id": form.get("ExternalId"),
                        "serial_number": form.get("SerialNumber"),
                        "token_code_given": "TokenCode" in form,
                        # The region of the SigV4 credential scope: which STS the caller
                        # meant (Credential=<key>/<date>/<region>/sts/aws4_request).
                        "signing_region": signing_region(self.headers.get("Authorization", "")),
                    }
                )
            fault = state.faults.get("sts")
            if fault == "hang":
                return hang(state, "sts")
            if fault == "500":
                status, payload = sts_error("InternalFailure", "An internal error occurred.", 500)
                return self.reply(status, payload, "text/xml")
            if fault == "throttle":
                status, payload = sts_error("Throttling", "Rate exceeded", 400)
                return self.reply(status, payload, "text/xml")
            if fault == "garbage":
                return self.reply(200, b"\x00\xffnot <xml at all", "text/xml")
            if action == "AssumeRole" and form.get("TokenCode") == MFA_REJECTED_CODE:
                status, payload = sts_error(
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                )
                return self.reply(status, payload, "text/xml")
            conn = http.client.HTTPConnection(moto_url.hostname, moto_url.port, timeout=30)
            conn.putrequest("POST", self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                conn.putheader(k, v)  # the original Host too: it is signed
            conn.endheaders(body)
            resp = conn.getresponse()
            payload = resp.read()
            conn.close()
            if action == "AssumeRole" and resp.status == 200:
                text = payload.decode()
                grab = lambda tag: re.search(f"<{tag}>([^<]*)</{tag}>", text).group(1)
                with state.lock:
                    state.issued[grab("AccessKeyId")] = {
                        "secret": grab("SecretAccessKey"),
                        "token": grab("SessionToken"),
                        "arn": grab("Arn"),
                    }
            self.reply(resp.status, payload, resp.getheader("Content-Type", "text/xml"))

        def reply(self, status, payload, ctype):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return StsProxy


def make_signin(state):
    class SignIn(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # http.server sends headers and body in two writes: with Nagle on, the body of a
        # reply on a kept-alive connection waits for the client's delayed ACK (40 ms).
        # AWS has no such stall; clients that reuse connections must not pay for it here.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def send(self, status, payload, ctype="text/plain", headers=()):
            data = payload.encode() if isinstance(payload, str) else payload
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def refuse(self, why):
            with state.lock:
                state.rejections.append(why)
            # The real endpoint answers 400 with an HTML page and no detail.
            self.send(400, "<html><body>Bad Request</body></html>", "text/html")

        def do_POST(self):
            if self.path == "/_fake/reset":
                state.reset()
                return self.send(200, "{}", "application/json")
            if self.path == "/_fake/fault":
                length = int(self.headers.get("Content-Length", "0"))
                with state.lock:
                    state.faults.update(json.loads(self.rfile.read(length) or b"{}"))
                return self.send(200, "{}", "application/json")
            self.send(404, "not found")

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/_fake/stats":
                return self.send(200, json.dumps(state.stats()), "application/json")
            if url.path != "/federation":
                return self.send(404, "not found")
            q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            one = {k: v[-1] for k, v in q.items()}
            action = one.get("Action")
            state.count(state.signin_requests, action or "?")
            fault = state.faults.get("signin") if action == "getSigninToken" else None
            if fault == "hang":
                return hang(state, "signin")
            if fault == "400":
                return self.send(400, "<html><body>Bad Request</body></html>", "text/html")
            if fault == "500":
                return self.send(500, "<html><body>Internal Server Error</body></html>", "text/html")
            if fault == "not-json":
                return self.send(200, "<!doctype html><html><body>Sign in</body></html>", "text/html")
            if fault == "no-token":
                return self.send(200, json.dumps({"Token": "nope"}), "application/json")
            if action == "getSigninToken":
                started = time.perf_counter()
                try:
                    if state.delay:
                        time.sleep(state.delay)
                    return self.get_signin_token(one)
                finally:
                    state.busy("signin_busy_ms", started)
            if action == "login":
                return self.login(one)
            return self.refuse(f"unknown Action {action!r}")

        def get_signin_token(self, q):
            try:
                session = json.loads(q.get("Session", ""))
            except ValueError:
                return self.refuse("Session is not JSON")
            if not isinstance(session, dict) or set(session) != {
                "sessionId",
                "sessionKey",
                "sessionToken",
            }:
                return self.refuse(f"Session keys are {sorted(session) if isinstance(session, dict) else session!r}")
            duration = None
            if "SessionDuration" in q:
                try:
                    duration = int(q["SessionDuration"])
                except ValueError:
                    return self.refuse("SessionDuration is not a number")
                if not 900 <= duration <= 43200:
                    return self.refuse(f"SessionDuration {duration} out of range")
            with state.lock:
                issued = state.issued.get(session["sessionId"])
            if (
                issued is None
                or issued["secret"] != session["sessionKey"]
                or issued["token"] != session["sessionToken"]
            ):
                return self.refuse("credentials were not issued by STS")
            token = secrets.token_urlsafe(48)
            with state.lock:
                state.tokens[token] = {
                    "arn": issued["arn"],
                    "access_key_id": session["sessionId"],
                    "session_duration": duration,
                    "issued_at": time.time(),
                }
            self.send(200, json.dumps({"SigninToken": token}), "application/json")

        def login(self, q):
            token = q.get("SigninToken", "")
            with state.lock:
                info = state.tokens.get(token)
            if info is None or time.time() - info["issued_at"] > TOKEN_LIFETIME:
                return self.refuse("unknown or expired SigninToken")
            destination = q.get("Destination", "")
            if not destination:
                return self.refuse("no Destination")
            cookie = secrets.token_hex(16)
            with state.lock:
                state.console_sessions[cookie] = info["arn"]
                state.logins.append(
                    {"arn": info["arn"], "destination": destination, "issuer": q.get("Issuer")}
                )
            self.send(
                302,
                "",
                headers=[
                    ("Location", destination),
                    ("Set-Cookie", f"fake_console_session={cookie}; Path=/; HttpOnly; SameSite=Lax"),
                ],
            )

    return SignIn


def make_console(state):
    class Console(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # http.server sends headers and body in two writes: with Nagle on, the body of a
        # reply on a kept-alive connection waits for the client's delayed ACK (40 ms).
        # AWS has no such stall; clients that reuse connections must not pay for it here.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            cookies = {}
            for part in self.headers.get("Cookie", "").split(";"):
                if "=" in part:
                    k, v = part.strip().split("=", 1)
                    cookies[k] = v
            with state.lock:
                arn = state.console_sessions.get(cookies.get("fake_console_session", ""), "")
                state.console_views.append({"arn": arn, "path": self.path})
            title = f"Console: {arn}" if arn else "Console: not signed in"
            page = (
                f"<!doctype html><html><head><title>{title}</title></head>"
                f'<body><main id="identity">{arn}</main></body></html>'
            ).encode()
            self.send_response(200 if arn else 401)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    return Console


class Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: ten clients connecting at once would see SYNs
    # dropped and retried a second later.
    request_queue_size = 128


def serve(handler):
    server = Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--moto-url", required=True)
    p.add_argument("--delay-ms", type=int, default=0)
    args = p.parse_args()
    state = State(args.delay_ms)
    sts = serve(make_sts_proxy(state, args.moto_url))
    signin = serve(make_signin(state))
    console = serve(make_console(state))
    print(
        json.dumps(
            {
                "sts": sts,
                "signin": f"{signin}/federation",
                "control": f"{signin}/_fake",
                "console": f"{console}/",
            }
        ),
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
