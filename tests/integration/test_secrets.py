"""No secret leaves the host except the sign-in URL a console.open asked for (issue 6).

Every flow (success, cached, MFA asked/wrong/right, AccessDenied, upstream faults, forget,
the CLI) runs with trace logging and known secrets; then everything the host wrote is
scanned: every reply frame (the `url` of a successful console.open removed, which carries
the sign-in token by design), stderr, CLI output and every file in the config folder.
Looked for: the gateway's long-term secret key, every temporary secret key and session
token STS issued, and every sign-in token the federation endpoint issued."""

def test_no_flow_leaks_a_secret(rc, aws):
    rc.env["ROLECALL_LOG"] = "trace"
    rc.add_gateway()
    rc.add_gateway("mfa-corp", mfa=True)
    rc.add_role("prod")
    rc.add_role("dev", "222222222222")
    rc.add_role("denied", "333333333333", "DeniedRole")
    rc.add_role("guarded", "444444444444", "Admin", "mfa-corp")

    frames = []
    h = rc.host()

    def call(method, params=None):
        r = h.call(method, params)
        if "result" in r and "url" in r["result"]:
            assert "SigninToken=" in r["result"]["url"]
            r = dict(r, result={k: v for k, v in r["result"].items() if k != "url"})
        frames.append(repr(r))
        return r

    call("host.info")
    call("roles.list")
    assert "result" in call("console.open", {"role": "prod"})
    assert call("console.open", {"role": "prod", "destination": "/s3/home"})["result"]["cached"]
    assert "result" in call("console.open", {"role": "dev"})
    assert call("console.open", {"role": "denied"})["error"]["data"]["kind"] == "access_denied"
    assert call("console.open", {"role": "guarded"})["error"]["data"]["kind"] == "mfa_required"
    assert call("console.open", {"role": "guarded", "mfa_code": "000000"})["error"]["data"]["kind"] == "mfa_invalid"
    assert "result" in call("console.open", {"role": "guarded", "mfa_code": "123456"})
    for sts, signin in [("500", None), ("garbage", None), (None, "400"), (None, "not-json"), (None, "no-token")]:
        call("session.forget", {"role": "dev"})
        aws.fault(sts=sts, signin=signin)
        try:
            assert "error" in call("console.open", {"role": "dev"})
        finally:
            aws.fault()
    call("console.open", {"role": "prod", "destination": "https://evil.example/"})
    call("session.forget", {"gateway": "corp"})
    call("session.forget", {})
    assert h.close() == 0

    # The CLI: a login prints the URL (by request), the rest must not print secrets.
    login = rc.cli("login", "prod")
    assert login.returncode == 0 and "SigninToken=" in login.stdout
    rc.outputs.pop()
    rc.outputs.append(login.stderr)
    for args in (["gateway", "list"], ["role", "list", "--json"], ["doctor"], ["login", "denied"]):
        rc.cli(*args)

    stats = aws.stats()
    secrets = {aws.gateway_keys[1], *stats["issued_secrets"], *(t["token"] for t in stats["tokens"])}
    assert len(stats["issued_secrets"]) >= 6 and len(stats["tokens"]) >= 4  # the flows ran
    files = {
        p: p.read_bytes().decode(errors="replace")
        for p in rc.config_dir.rglob("*")
        if p.is_file()
    }
    assert files, "the config folder was written"
    places = {"reply frames": "\n".join(frames), "host stderr": h.stderr}
    places.update({f"cli output {i}": o for i, o in enumerate(rc.outputs)})
    places.update({str(p): t for p, t in files.items()})
    assert "trace" in h.stderr or "debug" in h.stderr  # verbose logging was on
    for where, text in places.items():
        for s in secrets:
            assert s not in text, f"a secret leaked into {where}"
        assert "SigninToken=" not in text, f"a sign-in URL leaked into {where}"
