"""A fake of IAM Identity Center for rolecall's tests: the SSO OIDC API (device
authorization grant and refresh tokens) and the access portal API, written from the AWS API
references ("AWS IAM Identity Center OIDC API Reference", "AWS IAM Identity Center Portal API
Reference") and the request/response shapes the AWS SDK for Rust serialises. moto has no
such server. It is a fake, not AWS: one user, accounts and roles set by the test, tokens kept
in memory.

restJson1, as the SDK speaks it:
* OIDC: `POST /client/register` {clientName, clientType, scopes?} → {clientId, clientSecret,
  clientIdIssuedAt, clientSecretExpiresAt}; `POST /device_authorization` {clientId,
  clientSecret, startUrl} → {deviceCode, userCode, verificationUri, verificationUriComplete,
  expiresIn, interval}; `POST /token` {clientId, clientSecret, grantType, deviceCode |
  refreshToken} → {accessToken, tokenType, expiresIn, refreshToken?}. Errors are HTTP 400
  (401 for InvalidClientException) with `x-amzn-ErrorType: <Exception>` and the OAuth body
  {"error": "authorization_pending", "error_description": …}: AuthorizationPendingException
  while the user has not approved, SlowDownException when polled faster than `interval` (or
  when the test asks for it), ExpiredTokenException once the device code expired,
  AccessDeniedException when the user denied, InvalidGrantException for an unknown or used
  code or refresh token, InvalidClientException for an unknown client.
* Portal (header `x-amz-sso_bearer_token`): `GET /assignment/accounts?max_result&next_token`
  → {accountList: [{accountId, accountName, emailAddress}], nextToken};
  `GET /assignment/roles?account_id&max_result&next_token` → {roleList: [{roleName,
  accountId}], nextToken}; `GET /federation/credentials?account_id&role_name` →
  {roleCredentials: {accessKeyId, secretAccessKey, sessionToken, expiration (epoch ms)}}.
  Errors: UnauthorizedException 401 (no, unknown, expired or revoked token),
  TooManyRequestsException 429 (every Nth call when the test asks), ResourceNotFoundException
  404 (no such account or role), body {"message": …}.
* Role credentials are real moto credentials: the fake assumes
  `arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<role>_<hash>`
  at moto with the test user's keys, so the sign-in fake accepts them like any STS
  credentials and the console shows that assumed role.
* The user approves at `verificationUriComplete` (a page with Approve and Deny buttons), or a
  test calls `POST /_fake/sso/approve {"user_code", "deny"?}`.
* Test controls (`POST /_fake/sso/…`): `config` {accounts, page_size, throttle_every,
  interval, expires_in, token_ttl, refresh}, `approve`, `revoke` (every access token is
  refused from now on), `slow-down` {"times": n}, `expire-tokens` (access tokens expire now),
  `answer` (below), `reset`.
* A hostile answer (issue 25, point 5): `answer` {"verification_uri_complete"?,
  "verification_uri"?, "user_code"?} makes StartDeviceAuthorization name that page (with
  `{user_code}` standing for the code) or code; `null` leaves the field out of the answer; a
  key not sent is the fake's own (so `answer` {} restores them all, as `reset` does).
"""

import hashlib
import json
import re
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

DEFAULT_ACCOUNTS = [
    {"account_id": "444444444444", "account_name": "Acme SSO", "roles": ["AdministratorAccess", "ReadOnly"]},
    {"account_id": "555555555555", "account_name": "Acme Sandbox", "roles": ["PowerUser"]},
]


KEEP = object()


class IdentityCenterState:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.accounts = [dict(a) for a in DEFAULT_ACCOUNTS]
            self.page_size = 100
            self.throttle_every = 0
            self.interval = 1
            self.expires_in = 600
            self.token_ttl = 3600
            self.refresh = True
            # What StartDeviceAuthorization answers instead of the fake's own page and code
            # (KEEP: the fake's own; None: left out).
            self.verification_uri = KEEP
            self.verification_uri_complete = KEEP
            self.user_code = KEEP
            self.clients = {}  # clientId -> {secret, scopes}
            self.devices = {}  # deviceCode -> {user_code, client_id, expires, status, last_poll}
            self.access_tokens = {}  # token -> expires (epoch s)
            self.refresh_tokens = {}  # token -> client_id
            self.slow_down = 0
            self.portal_calls = 0
            self.calls = {}  # operation -> count
            self.throttled = 0

    def count(self, op):
        with self.lock:
            self.calls[op] = self.calls.get(op, 0) + 1

    def stats(self):
        with self.lock:
            return {
                "calls": dict(self.calls),
                "throttled": self.throttled,
                "devices": [
                    {"user_code": d["user_code"], "status": d["status"], "polls": list(d.get("polls", []))}
                    for d in self.devices.values()
                ],
                # For the tests that check no secret leaks.
                "secrets": sorted(
                    list(self.access_tokens)
                    + list(self.refresh_tokens)
                    + [c["secret"] for c in self.clients.values()]
                    + list(self.devices)
                ),
            }


def oauth_error(exception, error, description, status=400):
    return status, {"error": error, "error_description": description}, exception


def make_identity_center(state, ic, assume):
    """The handler; `assume(account, role_name)` returns moto credentials for the role."""

    class IdentityCenter(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def send_json(self, status, body, error_type=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def send_html(self, status, page):
            data = page.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length) if length else b""
            return raw

        # ---- OIDC ----------------------------------------------------------------------
        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            raw = self.body()
            if url.path.startswith("/_fake/sso/"):
                return self.control(url.path[len("/_fake/sso/"):], json.loads(raw or b"{}"))
            if url.path == "/device/decide":
                form = dict(urllib.parse.parse_qsl(raw.decode()))
                ok = self.decide(form.get("user_code", ""), form.get("action") == "deny")
                word = "denied" if form.get("action") == "deny" else "approved"
                return self.send_html(
                    200 if ok else 404,
                    f"<!doctype html><title>Request {word}</title><main id='done'>Request {word}. You can close this tab.</main>",
                )
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self.send_json(400, {"message": "not JSON"}, "InvalidRequestException")
            handler = {
                "/client/register": self.register,
                "/device_authorization": self.device_authorization,
                "/token": self.token,
            }.get(url.path)
            if handler is None:
                return self.send_json(404, {"message": "not found"}, "ResourceNotFoundException")
            status, reply, error = handler(body)
            self.send_json(status, reply, error)

        def register(self, body):
            ic.count("RegisterClient")
            if body.get("clientType") != "public" or not body.get("clientName"):
                return oauth_error("InvalidRequestException", "invalid_request", "clientName and clientType public are required")
            client_id = secrets.token_urlsafe(16)
            secret = secrets.token_urlsafe(48)
            now = int(time.time())
            with ic.lock:
                ic.clients[client_id] = {"secret": secret, "scopes": body.get("scopes") or []}
            return 200, {
                "clientId": client_id,
                "clientSecret": secret,
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + 90 * 86400,
            }, None

        def client_ok(self, body):
            with ic.lock:
                c = ic.clients.get(body.get("clientId"))
            return c is not None and c["secret"] == body.get("clientSecret")

        def device_authorization(self, body):
            ic.count("StartDeviceAuthorization")
            if not self.client_ok(body):
                return oauth_error("InvalidClientException", "invalid_client", "unknown client", 401)
            if not body.get("startUrl"):
                return oauth_error("InvalidRequestException", "invalid_request", "startUrl is required")
            device_code = secrets.token_urlsafe(32)
            user_code = "-".join(
                "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(4)) for _ in range(2)
            )
            host = self.headers.get("Host")
            with ic.lock:
                if ic.user_code is not KEEP:
                    user_code = ic.user_code
                ic.devices[device_code] = {
                    "user_code": user_code,
                    "client_id": body["clientId"],
                    "expires": time.time() + ic.expires_in,
                    "status": "pending",
                    "last_poll": 0.0,
                }
                interval, expires_in = ic.interval, ic.expires_in
                pages = {"verificationUri": ic.verification_uri, "verificationUriComplete": ic.verification_uri_complete}
            verification = f"http://{host}/device"
            reply = {
                "deviceCode": device_code,
                "userCode": user_code,
                "verificationUri": verification,
                "verificationUriComplete": f"{verification}?user_code={user_code}",
                "expiresIn": expires_in,
                "interval": interval,
            }
            for field, page in pages.items():
                if page is None:
                    del reply[field]
                elif page is not KEEP:
                    reply[field] = page.replace("{user_code}", user_code)
            return 200, reply, None

        def token(self, body):
            ic.count("CreateToken")
            if not self.client_ok(body):
                return oauth_error("InvalidClientException", "invalid_client", "unknown client", 401)
            grant = body.get("grantType")
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                return self.device_token(body)
            if grant == "refresh_token":
                with ic.lock:
                    owner = ic.refresh_tokens.pop(body.get("refreshToken"), None)
                if owner != body["clientId"]:
                    return oauth_error("InvalidGrantException", "invalid_grant", "unknown refresh token")
                return 200, self.issue(body["clientId"]), None
            return oauth_error("UnsupportedGrantTypeException", "unsupported_grant_type", f"grant {grant!r}")

        def device_token(self, body):
            now = time.time()
            with ic.lock:
                d = ic.devices.get(body.get("deviceCode"))
                if d is None or d["client_id"] != body["clientId"]:
                    return oauth_error("InvalidGrantException", "invalid_grant", "unknown device code")
                if now >= d["expires"]:
                    d["status"] = "expired"
                    return oauth_error("ExpiredTokenException", "expired_token", "the device code expired")
                too_fast = now - d["last_poll"] < ic.interval * 0.9
                d["last_poll"] = now
                d.setdefault("polls", []).append(now)
                if ic.slow_down > 0 or too_fast:
                    ic.slow_down = max(0, ic.slow_down - 1)
                    return oauth_error("SlowDownException", "slow_down", "polling too fast")
                if d["status"] == "pending":
                    return oauth_error("AuthorizationPendingException", "authorization_pending", "the user has not approved yet")
                if d["status"] == "denied":
                    return oauth_error("AccessDeniedException", "access_denied", "the user denied the request")
                if d["status"] == "used":
                    return oauth_error("InvalidGrantException", "invalid_grant", "the device code was used")
                d["status"] = "used"
            return 200, self.issue(body["clientId"]), None

        def issue(self, client_id):
            access = "aoa" + secrets.token_urlsafe(48)
            reply = {"accessToken": access, "tokenType": "Bearer"}
            with ic.lock:
                ic.access_tokens[access] = time.time() + ic.token_ttl
                reply["expiresIn"] = ic.token_ttl
                wants_refresh = ic.refresh and "sso:account:access" in ic.clients[client_id]["scopes"]
                if wants_refresh:
                    refresh = "aor" + secrets.token_urlsafe(48)
                    ic.refresh_tokens[refresh] = client_id
                    reply["refreshToken"] = refresh
            return reply

        def decide(self, user_code, deny):
            with ic.lock:
                for d in ic.devices.values():
                    if d["user_code"] == user_code and d["status"] == "pending":
                        d["status"] = "denied" if deny else "approved"
                        return True
            return False

        # ---- the verification page and the portal -------------------------------------
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/_fake/sso/stats":
                return self.send_json(200, ic.stats())
            if url.path == "/device":
                code = re.sub(r"[^A-Z-]", "", q.get("user_code", ""))
                return self.send_html(
                    200,
                    "<!doctype html><title>Authorize request</title>"
                    f"<main><p>Approve the request with code <b id='code'>{code}</b>?</p>"
                    "<form method='post' action='/device/decide'>"
                    f"<input type='hidden' name='user_code' value='{code}'>"
                    "<button id='approve' name='action' value='allow'>Approve</button>"
                    "<button id='deny' name='action' value='deny'>Deny</button></form></main>",
                )
            op = {
                "/assignment/accounts": "ListAccounts",
                "/assignment/roles": "ListAccountRoles",
                "/federation/credentials": "GetRoleCredentials",
            }.get(url.path)
            if op is None:
                return self.send_json(404, {"message": "not found"}, "ResourceNotFoundException")
            ic.count(op)
            token = self.headers.get("x-amz-sso_bearer_token", "")
            with ic.lock:
                expires = ic.access_tokens.get(token)
                ic.portal_calls += 1
                throttle = ic.throttle_every and ic.portal_calls % ic.throttle_every == 0
                if throttle:
                    ic.throttled += 1
                accounts = [dict(a) for a in ic.accounts]
                page = ic.page_size
            if expires is None or expires <= time.time():
                return self.send_json(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
            if throttle:
                return self.send_json(429, {"message": "Too many requests"}, "TooManyRequestsException")
            start = int(q.get("next_token") or 0)
            size = min(int(q.get("max_result") or page), page)
            if op == "ListAccounts":
                items = [
                    {"accountId": a["account_id"], "accountName": a["account_name"], "emailAddress": "aws@example.com"}
                    for a in accounts
                ]
                return self.send_json(200, self.paged(items, start, size, "accountList"))
            account = next((a for a in accounts if a["account_id"] == q.get("account_id")), None)
            if account is None:
                return self.send_json(404, {"message": "No account found"}, "ResourceNotFoundException")
            if op == "ListAccountRoles":
                items = [{"roleName": r, "accountId": account["account_id"]} for r in account["roles"]]
                return self.send_json(200, self.paged(items, start, size, "roleList"))
            role = q.get("role_name")
            if role not in account["roles"]:
                return self.send_json(404, {"message": "No access"}, "ResourceNotFoundException")
            creds = assume(account["account_id"], role)
            return self.send_json(200, {"roleCredentials": creds})

        @staticmethod
        def paged(items, start, size, key):
            chunk = items[start : start + size]
            nxt = start + size
            reply = {key: chunk}
            if nxt < len(items):
                reply["nextToken"] = str(nxt)
            return reply

        def control(self, what, body):
            if what == "config":
                with ic.lock:
                    for k in (
                        "accounts",
                        "page_size",
                        "throttle_every",
                        "interval",
                        "expires_in",
                        "token_ttl",
                        "refresh",
                    ):
                        if k in body:
                            setattr(ic, k, body[k])
                return self.send_json(200, {})
            if what == "answer":
                with ic.lock:
                    for k in ("verification_uri", "verification_uri_complete", "user_code"):
                        setattr(ic, k, body.get(k, KEEP))
                return self.send_json(200, {})
            if what == "approve":
                ok = self.decide(body.get("user_code", ""), bool(body.get("deny")))
                return self.send_json(200 if ok else 404, {"ok": ok})
            if what == "revoke":
                with ic.lock:  # every access token issued so far
                    ic.access_tokens = {t: 0 for t in ic.access_tokens}
                return self.send_json(200, {})
            if what == "expire-tokens":
                with ic.lock:
                    ic.access_tokens = {t: time.time() - 1 for t in ic.access_tokens}
                return self.send_json(200, {})
            if what == "slow-down":
                with ic.lock:
                    ic.slow_down = int(body.get("times", 1))
                return self.send_json(200, {})
            if what == "reset":
                ic.reset()
                return self.send_json(200, {})
            return self.send_json(404, {"message": "not found"})

    return IdentityCenter


def role_arn(account, role_name):
    suffix = hashlib.sha256(f"{account}/{role_name}".encode()).hexdigest()[:16]
    return f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{role_name}_{suffix}"
