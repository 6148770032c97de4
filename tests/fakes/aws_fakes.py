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
* STS, daily MFA sessions: `GetSessionToken` (with `SerialNumber`/`TokenCode`, the code
  000000 refused as above, `DurationSeconds` 900..129600) goes to moto, and the proxy keeps
  the session it issued. moto cannot authorise calls signed with such a session (it knows
  only IAM users' keys and assumed roles), so the proxy does what AWS does for it: checks the
  SigV4 signature and session token of an `AssumeRole` signed with the session (an expired
  session is `ExpiredToken`), then forwards it signed with the IAM user's own keys (given to
  the fake with `POST /_fake/users`), so moto applies that user's policy. Credentials so
  issued are *chained*: the sign-in endpoint refuses a `SessionDuration` above 3600 for
  them, and their console lasts at most an hour, as AWS documents for role chaining.
* STS, a role's `MaxSessionDuration`: `POST /_fake/roles {"<role ARN>": seconds}` sets it;
  `AssumeRole` asking more is `ValidationError` "The requested DurationSeconds exceeds the
  MaxSessionDuration set for this role." (AWS's words). Roles not named allow 12 h, as if
  every role's maximum had been raised (moto checks none).
* Console sessions end, as AWS documents: at `SessionDuration` after the login, or when the
  credentials expire if none was sent. A request after the end, or without a session, gets
  the sign-in page ("Sign in", status 401) instead of the account. `POST /_fake/end-sessions`
  with `{"arn": ARN}` (or `{}` for all) ends sessions early, as an expiry would. A new
  login in the same cookie jar replaces its session (same cookie), so the jar's other tabs
  carry on with the new one. `console_views` records which session (`session`: its login's
  number) each console request used.
* IAM Identity Center (OIDC and portal): tests/fakes/identity_center.py, served here so its
  role credentials are real moto credentials the sign-in fake accepts.
* `GET <signin origin>/_fake/stats`: counters and records as JSON; `POST /_fake/reset`.
  `POST /_fake/delay {"sts": ms, "signin": ms, "login": ms}` sets a delay per service (the
  command-line `--delay-ms` sets the first two; `login` holds a browser's `Action=login`
  request, as a tab still signing in).
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
        self.base_delay = delay_ms / 1000.0
        self.users = {}  # IAM user AccessKeyId -> secret (POST /_fake/users; survives reset)
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.delay = self.base_delay  # STS
            self.signin_delay = self.base_delay
            self.login_delay = 0.0  # Action=login: a browser tab still signing in
            self.sts_requests = {}
            self.sts_calls = []
            # AccessKeyId -> {secret, token, arn, expiration (epoch s), chained}
            self.issued = {}
            # GetSessionToken sessions: AccessKeyId -> {secret, token, user_key, expiration}
            self.mfa_sessions = {}
            self.role_max_duration = {}  # role ARN -> MaxSessionDuration
            self.signin_requests = {}
            self.signin_calls = []  # getSigninToken: {access_key_id, session_duration, chained}
            self.tokens = {}  # SigninToken -> {arn, access_key_id, session_duration, issued_at}
            self.console_sessions = {}  # cookie -> {arn, ends (epoch s), n}
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
                    [v for i in self.issued.values() for v in (i["secret"], i["token"])]
                    + [v for i in self.mfa_sessions.values() for v in (i["secret"], i["token"])]
                ),
                "mfa_session_key_ids": sorted(self.mfa_sessions),
                "sso": self.identity_center.stats() if getattr(self, "identity_center", None) else {},
                "signin_calls": list(self.signin_calls),
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


def fresh_session_credentials(payload):
    """moto's GetSessionToken answer with new, unique credentials in AWS's shapes."""
    import random
    import string

    text = payload.decode()
    alnum = string.ascii_uppercase + string.digits
    key_id = "ASIA" + "".join(random.SystemRandom().choice(alnum) for _ in range(16))
    values = {
        "AccessKeyId": key_id,
        "SecretAccessKey": secrets.token_urlsafe(30)[:40],
        "SessionToken": "FwoGZXIvYXdzE" + secrets.token_urlsafe(150),
    }
    for tag, value in values.items():
        text = re.sub(f"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", text)
    return text.encode()


def access_key_of(authorization):
    m = re.search(r"Credential=([^/]+)/", authorization)
    return m.group(1) if m else None


def parse_time(text):
    """moto's ISO 8601 Expiration (e.g. 2026-12-01T13:00:00.123000Z) in epoch seconds."""
    import datetime

    t = text.strip().replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(t).timestamp()


def check_session_signature(handler, body, session):
    """AWS's checks of a request signed with a GetSessionToken session: the session token
    header, the session's expiry, the SigV4 signature over the request as received.
    Returns (status, payload) of the refusal, or None."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = handler.headers
    if headers.get("X-Amz-Security-Token") != session["token"]:
        return sts_error("InvalidClientTokenId", "The security token included in the request is invalid.")
    if time.time() >= session["expiration"]:
        return sts_error("ExpiredToken", "The security token included in the request is expired", 400)
    auth = headers.get("Authorization", "")
    m = re.search(r"Credential=[^/]+/(\d{8})/([^/]+)/sts/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)", auth)
    if not m:
        return sts_error("IncompleteSignature", "The request signature is malformed.", 400)
    _, region, signed, signature = m.groups()
    names = signed.split(";")
    req = AWSRequest(
        method="POST",
        url=f"http://{headers.get('Host')}{handler.path}",
        data=body,
        headers={n: headers.get(n) for n in names},
    )
    req.context["timestamp"] = headers.get("X-Amz-Date")
    signer = SigV4Auth(Credentials("x", session["secret"], session["token"]), "sts", region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != signature:
        return sts_error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None


def resign(body, headers, key_id, secret):
    """The request's headers re-signed with an IAM user's own keys (see the docstring)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    lower = {k.lower(): v for k, v in headers.items()}
    region = signing_region(lower.get("authorization", "")) or "us-east-1"
    keep = {
        k: v
        for k, v in headers.items()
        if k.lower() not in ("authorization", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256")
    }
    req = AWSRequest(method="POST", url=f"http://{lower.get('host')}/", data=body, headers=keep)
    SigV4Auth(Credentials(key_id, secret), "sts", region).add_auth(req)
    return dict(req.headers.items())


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
                        # Which key signed it (an access key id, not a secret).
                        "access_key_id": access_key_of(self.headers.get("Authorization", "")),
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
            if action in ("AssumeRole", "GetSessionToken") and form.get("TokenCode") == MFA_REJECTED_CODE:
                status, payload = sts_error(
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                )
                return self.reply(status, payload, "text/xml")
            if action == "GetSessionToken" and "DurationSeconds" in form:
                if not 900 <= int(form["DurationSeconds"]) <= 129600:
                    status, payload = sts_error(
                        "ValidationError",
                        "1 validation error detected: Value at 'durationSeconds' failed to "
                        "satisfy constraint: Member must have value less than or equal to 129600",
                        400,
                    )
                    return self.reply(status, payload, "text/xml")
            if action == "AssumeRole":
                with state.lock:
                    limit = state.role_max_duration.get(form.get("RoleArn"), 43200)
                if int(form.get("DurationSeconds") or 3600) > limit:
                    status, payload = sts_error(
                        "ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                        400,
                    )
                    return self.reply(status, payload, "text/xml")
            headers = dict(self.headers.items())
            chained = False
            caller = access_key_of(self.headers.get("Authorization", ""))
            with state.lock:
                mfa_session = state.mfa_sessions.get(caller)
            if mfa_session is not None:
                refusal = check_session_signature(self, body, mfa_session)
                if refusal:
                    with state.lock:
                        state.rejections.append(f"STS {action}: {refusal[1].decode()}")
                    return self.reply(*refusal, "text/xml")
                if action != "AssumeRole":
                    status, payload = sts_error(
                        "AccessDenied", f"Cannot call {action} with session credentials", 403
                    )
                    return self.reply(status, payload, "text/xml")
                with state.lock:
                    user_secret = state.users.get(mfa_session["user_key"])
                if user_secret is None:
                    status, payload = sts_error("InvalidClientTokenId", "unknown user (POST /_fake/users)")
                    return self.reply(status, payload, "text/xml")
                headers = resign(body, headers, mfa_session["user_key"], user_secret)
                chained = True
            conn = http.client.HTTPConnection(moto_url.hostname, moto_url.port, timeout=30)
            conn.putrequest("POST", self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)  # the original Host too: it is signed
            conn.endheaders(body)
            resp = conn.getresponse()
            payload = resp.read()
            conn.close()
            if resp.status != 200:
                with state.lock:
                    state.rejections.append(f"STS {action} {resp.status}: {payload[:300]!r}")
            if resp.status == 200 and action == "GetSessionToken":
                # moto answers every GetSessionToken with the same fixed AKIA… example
                # credentials; AWS issues new ASIA… ones each time. Issue our own.
                payload = fresh_session_credentials(payload)
            if resp.status == 200 and action in ("AssumeRole", "GetSessionToken"):
                text = payload.decode()
                grab = lambda tag: re.search(f"<{tag}>([^<]*)</{tag}>", text).group(1)
                expiration = parse_time(grab("Expiration"))
                with state.lock:
                    if action == "AssumeRole":
                        state.issued[grab("AccessKeyId")] = {
                            "secret": grab("SecretAccessKey"),
                            "token": grab("SessionToken"),
                            "arn": grab("Arn"),
                            "expiration": expiration,
                            "chained": chained,
                        }
                    else:
                        state.mfa_sessions[grab("AccessKeyId")] = {
                            "secret": grab("SecretAccessKey"),
                            "token": grab("SessionToken"),
                            "user_key": caller,
                            "expiration": expiration,
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
                if getattr(state, "identity_center", None):
                    state.identity_center.reset()
                return self.send(200, "{}", "application/json")
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path == "/_fake/fault":
                with state.lock:
                    state.faults.update(body)
                return self.send(200, "{}", "application/json")
            if self.path == "/_fake/users":
                with state.lock:
                    state.users.update(body)
                return self.send(200, "{}", "application/json")
            if self.path == "/_fake/roles":
                with state.lock:
                    state.role_max_duration.update(body)
                return self.send(200, "{}", "application/json")
            if self.path == "/_fake/delay":
                with state.lock:
                    if "sts" in body:
                        state.delay = body["sts"] / 1000.0
                    if "signin" in body:
                        state.signin_delay = body["signin"] / 1000.0
                    if "login" in body:
                        state.login_delay = body["login"] / 1000.0
                return self.send(200, "{}", "application/json")
            if self.path == "/_fake/end-sessions":
                ended = 0
                with state.lock:
                    for info in state.console_sessions.values():
                        if ("arn" not in body or info["arn"] == body["arn"]) and info["ends"] > time.time():
                            info["ends"] = time.time()
                            ended += 1
                return self.send(200, json.dumps({"ended": ended}), "application/json")
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
                    if state.signin_delay:
                        time.sleep(state.signin_delay)
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
                state.signin_calls.append(
                    {
                        "access_key_id": session["sessionId"],
                        "session_duration": duration,
                        "chained": bool(issued and issued["chained"]),
                    }
                )
            if (
                issued is None
                or issued["secret"] != session["sessionKey"]
                or issued["token"] != session["sessionToken"]
            ):
                return self.refuse("credentials were not issued by STS")
            if issued["chained"] and duration is not None and duration > 3600:
                # AWS: role-chained credentials (which include AssumeRole with a
                # GetSessionToken session) allow a console of at most one hour.
                return self.refuse(f"SessionDuration {duration} with chained credentials")
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
            if state.login_delay:
                time.sleep(state.login_delay)
            token = q.get("SigninToken", "")
            with state.lock:
                info = state.tokens.get(token)
            if info is None or time.time() - info["issued_at"] > TOKEN_LIFETIME:
                return self.refuse("unknown or expired SigninToken")
            destination = q.get("Destination", "")
            if not destination:
                return self.refuse("no Destination")
            # A new login in a jar replaces its session: the cookie it already holds now
            # names the new session, so its other tabs carry on with it.
            cookie = jar_cookie(self.headers) or secrets.token_hex(16)
            with state.lock:
                issued = state.issued.get(info["access_key_id"], {})
                now = time.time()
                if info["session_duration"] is not None:
                    ends = now + info["session_duration"]
                else:
                    ends = issued.get("expiration", now + 3600)
                if issued.get("chained"):
                    ends = min(ends, now + 3600)
                n = len(state.logins) + 1
                state.console_sessions[cookie] = {"arn": info["arn"], "ends": ends, "n": n}
                state.logins.append(
                    {
                        "arn": info["arn"],
                        "destination": destination,
                        "issuer": q.get("Issuer"),
                        "session": n,
                        "ends": ends,
                        "replaced": cookie == jar_cookie(self.headers),
                    }
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
            with state.lock:
                info = state.console_sessions.get(jar_cookie(self.headers) or "")
                live = info is not None and time.time() < info["ends"]
                arn = info["arn"] if live else ""
                state.console_views.append(
                    {
                        "arn": arn,
                        "path": self.path,
                        "session": info["n"] if info else None,
                        "expired": info is not None and not live,
                    }
                )
            if arn:
                page = (
                    f"<!doctype html><html><head><title>Console: {arn}</title></head>"
                    f'<body><main id="identity">{arn}</main></body></html>'
                ).encode()
            else:
                # What AWS shows without a live session: its sign-in page.
                page = (
                    "<!doctype html><html><head><title>Sign in</title></head>"
                    '<body><main id="signin">Sign in to the AWS console</main></body></html>'
                ).encode()
            self.send_response(200 if arn else 401)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    return Console


def jar_cookie(headers):
    """The fake console session cookie a request carries, if any."""
    for part in headers.get("Cookie", "").split(";"):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            if k == "fake_console_session":
                return v
    return None


class Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: ten clients connecting at once would see SYNs
    # dropped and retried a second later.
    request_queue_size = 128


def serve(handler):
    server = Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def sso_role_credentials(state, moto):
    """Real moto credentials for an Identity Center role: AssumeRole of its reserved role,
    signed with the test user's keys, recorded as issued so the sign-in fake accepts them."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from identity_center import role_arn

    moto_url = urllib.parse.urlsplit(moto)

    def assume(account, role_name):
        with state.lock:
            key_id, secret = next(iter(state.users.items()))
        body = urllib.parse.urlencode(
            {
                "Action": "AssumeRole",
                "Version": "2011-06-15",
                "RoleArn": role_arn(account, role_name),
                "RoleSessionName": "ana@example.com",
                "DurationSeconds": "3600",
            }
        )
        req = AWSRequest(
            method="POST",
            url=f"{moto}/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(Credentials(key_id, secret), "sts", "us-east-1").add_auth(req)
        conn = http.client.HTTPConnection(moto_url.hostname, moto_url.port, timeout=30)
        conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
        text = conn.getresponse().read().decode()
        conn.close()
        grab = lambda tag: re.search(f"<{tag}>([^<]*)</{tag}>", text).group(1)
        expiration = parse_time(grab("Expiration"))
        with state.lock:
            state.issued[grab("AccessKeyId")] = {
                "secret": grab("SecretAccessKey"),
                "token": grab("SessionToken"),
                "arn": grab("Arn"),
                "expiration": expiration,
                "chained": False,
            }
        return {
            "accessKeyId": grab("AccessKeyId"),
            "secretAccessKey": grab("SecretAccessKey"),
            "sessionToken": grab("SessionToken"),
            "expiration": int(expiration * 1000),
        }

    return assume


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--moto-url", required=True)
    p.add_argument("--delay-ms", type=int, default=0)
    args = p.parse_args()
    state = State(args.delay_ms)
    sts = serve(make_sts_proxy(state, args.moto_url))
    signin = serve(make_signin(state))
    console = serve(make_console(state))
    from identity_center import IdentityCenterState, make_identity_center

    state.identity_center = IdentityCenterState()
    sso = serve(
        make_identity_center(state, state.identity_center, sso_role_credentials(state, args.moto_url))
    )
    print(
        json.dumps(
            {
                "sts": sts,
                "signin": f"{signin}/federation",
                "control": f"{signin}/_fake",
                "console": f"{console}/",
                # OIDC and portal on one loopback server (distinct paths).
                "sso": sso,
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
