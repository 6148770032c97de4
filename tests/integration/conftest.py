import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from host import Host, cli  # noqa: E402
from stack import AwsStack  # noqa: E402

MFA_SERIAL = "arn:aws:iam::123456789012:mfa/gateway"


@pytest.fixture(scope="session")
def aws():
    with AwsStack() as stack:
        yield stack


class Rolecall:
    """A private rolecall setup: its own config folder and keyring service, pointed at the
    loopback stack. Tracks every process it starts so teardown can check their output."""

    def __init__(self, aws, tmp_path):
        self.aws = aws
        self.config_dir = tmp_path / "config"
        self.env = dict(
            os.environ,
            **aws.host_env(),
            ROLECALL_CONFIG_DIR=str(self.config_dir),
            ROLECALL_DATA_DIR=str(tmp_path / "data"),
            # An empty stand-in for / where install and doctor look for system-wide
            # manifests: a machine with the Debian package installed must not change the
            # results (tests/package.sh installs it on CI).
            ROLECALL_SYSTEM_ROOT=str(tmp_path / "system-root"),
            ROLECALL_KEYRING_SERVICE=f"rolecall-test-{uuid.uuid4().hex[:8]}",
            ROLECALL_LOG="debug",
        )
        self.hosts = []
        self.outputs = []

    def cli(self, *args, input=None, env=None):
        r = cli(env or self.env, *args, input=input)
        self.outputs.append(r.stdout + r.stderr)
        return r

    def add_gateway(self, name="corp", keys=None, mfa=False, region="us-east-1", mfa_mode="per-role"):
        """`mfa_mode`: what `--mfa-mode` says with `mfa` (per-role, which most tests are
        about; None leaves it out: a new gateway is then daily)."""
        key_id, secret = keys or self.aws.gateway_keys
        args = ["gateway", "add", name, "--access-key-id", key_id, "--region", region]
        if mfa:
            args += ["--mfa-serial", MFA_SERIAL]
            if mfa_mode:
                args += ["--mfa-mode", mfa_mode]
        r = self.cli(*args, input=secret + "\n")
        assert r.returncode == 0, r.stderr

    def add_sso(self, name="acme", region="eu-west-1"):
        r = self.cli("sso", "add", name, "--start-url", "https://acme.awsapps.com/start", "--region", region)
        assert r.returncode == 0, r.stderr

    def add_sso_role(self, id, account="444444444444", role_name="AdministratorAccess", sso="acme", *extra):
        r = self.cli("role", "add", id, "--account", account, "--role-name", role_name, "--sso", sso, *extra)
        assert r.returncode == 0, r.stderr

    def add_role(self, id, account="111111111111", role_name="Admin", gateway="corp", *extra):
        r = self.cli(
            "role", "add", id, "--account", account, "--role-name", role_name, "--gateway", gateway, *extra
        )
        assert r.returncode == 0, r.stderr

    def host(self, env=None):
        h = Host(env or self.env)
        self.hosts.append(h)
        return h

    def config_text(self):
        return (self.config_dir / "config.toml").read_text()


@pytest.fixture
def rc(aws, tmp_path):
    r = Rolecall(aws, tmp_path)
    yield r
    for h in r.hosts:
        if h.proc.poll() is None:
            h.close()
    # No secret may appear in any log or CLI output: the gateway secret, any temporary
    # secret or session token moto issued, or any sign-in token the fake issued.
    stats = aws.stats()
    secrets = [aws.gateway_keys[1]]
    secrets += [t["token"] for t in stats["tokens"]]
    secrets += stats["issued_secrets"]
    secrets += stats["sso"].get("secrets", [])  # Identity Center tokens, client secrets
    logs = [h.stderr for h in r.hosts] + r.outputs
    for text in logs:
        for s in secrets:
            assert s not in text, "a secret leaked into host or CLI output"
        assert "SigninToken=" not in text
        assert "sessionKey" not in text
    aws.reset()
