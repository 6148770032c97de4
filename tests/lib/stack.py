"""The loopback AWS stack shared by rolecall's integration tests, end-to-end tests and
benchmarks: a real moto server (with IAM authorization on) for STS, and the fakes in
tests/fakes/aws_fakes.py for what moto lacks (federation, console).

    with AwsStack() as aws:
        env = aws.host_env()          # endpoint overrides for the rolecall host
        aws.gateway_keys               # an IAM user's real (moto) long-term keys
        aws.stats()                    # what the fakes saw
        env = rolecall_env(aws, tmp, "e2e")  # a rolecall of its own against it
        setup(env, [(["gateway", "add", …], secret + "\n"), …])
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parents[2]
FAKES = REPO / "tests" / "fakes" / "aws_fakes.py"

# The gateway user may assume any role except those named Denied*: moto evaluates this
# policy and answers AccessDenied like AWS.
GATEWAY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        # AWS needs no permission for GetSessionToken; moto evaluates every action.
        {"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/Denied*"},
    ],
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up in {timeout} s")
            time.sleep(0.1)


class AwsStack:
    def __init__(self, delay_ms=0, python=None):
        self.delay_ms = delay_ms
        self.python = python or os.environ.get("PYTHON") or sys.executable
        self.procs = []

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        port = free_port()
        self.moto_url = f"http://127.0.0.1:{port}"
        # Six unauthenticated calls to create the gateway user and an administrator (for
        # tests that set up IAM roles and an AWS Organization); IAM auth from then on.
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="6")
        self.procs.append(
            subprocess.Popen(
                [self.python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_http(self.moto_url + "/moto-api/")
        iam = boto3.client(
            "iam",
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        iam.create_user(UserName="gateway")
        iam.put_user_policy(
            UserName="gateway", PolicyName="assume", PolicyDocument=json.dumps(GATEWAY_POLICY)
        )
        key = iam.create_access_key(UserName="gateway")["AccessKey"]
        self.gateway_keys = (key["AccessKeyId"], key["SecretAccessKey"])
        iam.create_user(UserName="admin")
        iam.put_user_policy(
            UserName="admin",
            PolicyName="all",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        # The test's own hands on moto (boto3), never given to rolecall.
        self.admin_keys = (key["AccessKeyId"], key["SecretAccessKey"])

        fakes = subprocess.Popen(
            [self.python, str(FAKES), "--moto-url", self.moto_url, "--delay-ms", str(self.delay_ms)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.procs.append(fakes)
        self.urls = json.loads(fakes.stdout.readline())
        # The STS fake signs for this user when a call is made with its MFA session.
        self._control("users", {self.gateway_keys[0]: self.gateway_keys[1]})

    def host_env(self):
        """The endpoint overrides a rolecall host needs to use this stack."""
        return {
            "AWS_ENDPOINT_URL_STS": self.urls["sts"],
            "AWS_ENDPOINT_URL_SSO_OIDC": self.urls["sso"],
            "AWS_ENDPOINT_URL_SSO": self.urls["sso"],
            "ROLECALL_SIGNIN_URL": self.urls["signin"],
            "ROLECALL_CONSOLE_URL": self.urls["console"],
            # AWS Organizations straight to moto (nothing to fake there).
            "AWS_ENDPOINT_URL_ORGANIZATIONS": self.moto_url,
        }

    def admin(self, service):
        """A boto3 client for moto signed by the administrator, to set up what a test needs."""
        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id=self.admin_keys[0],
            aws_secret_access_key=self.admin_keys[1],
        )

    def stats(self):
        with urllib.request.urlopen(self.urls["control"] + "/stats", timeout=10) as r:
            return json.load(r)

    def fault(self, sts=None, signin=None):
        """Makes the fakes fail (see tests/fakes/aws_fakes.py); fault() clears it."""
        body = json.dumps({"sts": sts, "signin": signin}).encode()
        req = urllib.request.Request(self.urls["control"] + "/fault", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def _control(self, path, body):
        req = urllib.request.Request(
            f"{self.urls['control']}/{path}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def set_max_session_duration(self, role_arn, seconds):
        """The role's MaxSessionDuration: AssumeRole asking more is a ValidationError."""
        self._control("roles", {role_arn: seconds})

    def end_sessions(self, arn=None):
        """Ends console sessions now (of one assumed-role ARN, or all); returns how many."""
        return self._control("end-sessions", {"arn": arn} if arn else {})["ended"]

    def delay(self, sts=None, signin=None, login=None):
        """Milliseconds added to each STS / getSigninToken / Action=login request, until reset."""
        body = {k: v for k, v in (("sts", sts), ("signin", signin), ("login", login)) if v is not None}
        self._control("delay", body)

    def sso(self, what, body=None):
        """Identity Center fake controls (tests/fakes/identity_center.py): config, approve,
        revoke, slow-down, expire-tokens, answer."""
        req = urllib.request.Request(
            f"{self.urls['sso']}/_fake/sso/{what}", data=json.dumps(body or {}).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def reset(self):
        req = urllib.request.Request(self.urls["control"] + "/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs = []


class Blackhole:
    """A TCP port that accepts connections and never answers: an unreachable endpoint
    that makes a client wait for its timeout."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        return self

    def __exit__(self, *exc):
        self.sock.close()


def rolecall_env(aws, root, tag):
    """The environment of a rolecall of its own against `aws`: its config and data folders under
    `root`, and a keyring service that no other run shares."""
    root = Path(root)
    return dict(
        os.environ,
        **aws.host_env(),
        ROLECALL_CONFIG_DIR=str(root / "config"),
        ROLECALL_DATA_DIR=str(root / "data"),
        ROLECALL_KEYRING_SERVICE=f"rolecall-{tag}-{uuid.uuid4().hex[:8]}",
    )


def setup(env, steps):
    """Runs rolecall CLI steps, `(args, stdin or None)`, each of which must succeed."""
    from host import cli  # tests/lib/host.py, beside this file

    for args, stdin in steps:
        r = cli(env, *args, input=stdin)
        assert r.returncode == 0, (args, r.stderr)
