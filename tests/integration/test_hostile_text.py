"""Issue 25 (hardening round 3), point 3 and point 7's last item: text from a catalogue, the
user's config, the Identity Center portal or ~/.aws cannot blind the popup or drive the
terminal. Labels, groups and link names are bounded and hold no control or bidi characters;
a role breaking that is left out and reported, never failing a listing; every CLI output of
such text is escaped; a catalogue URL carries no user part. The real binary throughout."""

import hashlib
import json
import re
import subprocess

from host import binary
from test_sso import sign_in

# An OSC 52 clipboard write, BEL, a title change, a line erase, bidi override and isolate, a
# C1 CSI and DEL: what a hostile label would do to a terminal.
HOSTILE = "Prod\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2K\x1b]0;owned\x07\u202eedoc\u2066x\u2069\x9b31m\x7f"


def toml_str(s):
    """A TOML basic string: JSON's escapes are TOML's (\\uXXXX for every control)."""
    return json.dumps(s)


def unsafe(text):
    """The characters that must never reach a terminal from outside text."""
    return [
        c
        for c in text
        if (ord(c) < 0x20 and c not in "\n\t")
        or 0x7F <= ord(c) <= 0x9F
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
    ]


def run(rc, *args, env=None):
    """The binary with its raw bytes: stdout and stderr must decode and hold no unsafe character."""
    p = subprocess.run([binary(), *args], capture_output=True, env=env or rc.env, timeout=120)
    out, err = p.stdout.decode("utf-8"), p.stderr.decode("utf-8")
    rc.outputs.append(out + err)
    for name, text in (("stdout", out), ("stderr", err)):
        assert not unsafe(text), f"`rolecall {' '.join(args)}` {name}: {unsafe(text)!r}\n{text[:3000]}"
    return p.returncode, out, err


def roles_listed(h, compact):
    out, cursor = {}, None
    while True:
        params = {"compact": compact}
        if cursor:
            params["cursor"] = cursor
        r = h.call("roles.list", params)
        assert "result" in r, r
        out.update((x["id"], x) for x in r["result"]["roles"])
        cursor = r["result"]["next_cursor"]
        if cursor is None:
            return out


def catalogue_role(id, account, extra=""):
    return f'[[role]]\nid = "{id}"\naccount_id = "{account}"\nrole_name = "Admin"\ngateway = "team"\n{extra}\n'


def hostile_catalogue():
    return (
        catalogue_role("cat-ok", "111111111111", 'label = "Shared dev"\ngroup = "Platform"')
        + catalogue_role("cat-huge", "222222222222", "label = " + toml_str("x" * (3 << 20)))
        + catalogue_role("cat-label", "333333333333", "label = " + toml_str(HOSTILE))
        + catalogue_role("cat-group", "444444444444", "group = " + toml_str("Platform\x1b[8m"))
        + catalogue_role(
            "cat-link", "555555555555", "[[role.link]]\nname = " + toml_str("S3\x07") + '\ndestination = "/s3"'
        )
        + catalogue_role("cat-lookalike", "666666666666", 'label = "  production "')
        # A Greek capital rho, a Cyrillic o and a zero-width space: reads as "Production".
        + catalogue_role("cat-disguised", "121212121212", 'label = "\u03a1r\u043e\u200bduction"')
    )


def test_a_3_mib_catalogue_label_cannot_blind_the_listing(rc, tmp_path):
    rc.add_gateway("corp")
    rc.add_role("mine", "999999999999", "Admin", "corp", "--label", "Production")
    cat = tmp_path / "team.toml"
    cat.write_text(hostile_catalogue())
    code, out, _ = run(rc, "catalog", "add", "team", "--file", str(cat), "--map", "team=corp")
    assert code == 0
    # Left out and reported, each with the field and the rule, never the text.
    assert "7 roles: 3 listed" in out and "4 left out" in out, out
    assert "cat-huge: left out: its label is 3145728 characters long; a label has at most 128" in out
    assert "cat-label: left out: its label holds the control character U+001B" in out
    assert "cat-group: left out: its group holds the control character U+001B" in out
    assert "cat-link: left out: link 1: its link name holds the control character U+0007" in out
    assert "cm0gLXJmIH4" not in out and "xxxxxxxxxx" not in out
    # A lookalike of the user's own "Production" is flagged, not refused.
    assert "? cat-lookalike: labelled like your own role 'mine';" in out
    assert "? cat-disguised: labelled like your own role 'mine' in characters that look alike" in out

    h = rc.host()
    for compact in (True, False):
        roles = roles_listed(h, compact)
        assert set(roles) == {"mine", "cat-ok", "cat-lookalike", "cat-disguised"}, compact
    assert h.call("host.info")["result"]["name"] == "rolecall"
    err = h.call("console.open", {"role": "cat-huge"})["error"]
    assert err["data"]["kind"] == "unknown_role", err
    assert "response_too_large" not in h.stderr

    code, out, _ = run(rc, "doctor")
    assert "WARN  catalogue 'team': 3 of its 7 roles listed, 4 left out" in out, out
    assert "WARN  catalogue 'team': role 'cat-huge' is left out: its label is 3145728 characters long" in out
    code, out, _ = run(rc, "catalog", "list")
    assert "4 left out" in out
    left_out = {x["id"]: x["why"] for x in json.loads(run(rc, "catalog", "list", "--json")[1])[0]["left_out"]}
    assert set(left_out) == {"cat-huge", "cat-label", "cat-group", "cat-link"}


def test_no_terminal_escape_from_config_catalogue_or_aws_files_reaches_the_terminal(rc, aws, tmp_path):
    rc.add_gateway("corp")
    rc.add_role("mine", "999999999999", "Admin", "corp", "--label", "Production")
    cfg = rc.config_dir / "config.toml"
    # By hand: a role with a hostile label, a gateway MFA serial with escapes, an SSO start
    # URL with escapes (each keeps the config's structural rules, so the file loads).
    text = cfg.read_text().replace(
        'name = "corp"', 'name = "corp"\nmfa_serial = ' + toml_str("arn:aws:iam::123456789012:mfa/x" + HOSTILE), 1
    )
    text += "\n[[role]]\n" + 'id = "evil-local"\naccount_id = "888888888888"\nrole_name = "Admin"\ngateway = "corp"\n'
    text += "label = " + toml_str(HOSTILE) + "\n"
    text += "\n[[sso]]\nname = \"acme\"\nregion = \"eu-west-1\"\nstart_url = " + toml_str(
        "https://acme.awsapps.com/start/" + HOSTILE
    ) + "\n"
    cfg.write_text(text)
    # A catalogue whose file name itself holds escapes.
    cat = tmp_path / ("team" + "\x1b]0;owned\x07" + ".toml")
    cat.write_text(hostile_catalogue())
    code, out, err = run(rc, "catalog", "add", "team", "--file", str(cat), "--map", "team=corp")
    # The hand-edited role blocks writes (rolecall writes no config that breaks the rules),
    # and the refusal names it, the field and the rule.
    assert code != 0
    assert "role 'evil-local': its label holds the control character U+001B (character 5)" in err, err
    assert "catalog" not in cfg.read_text().split("[[sso]]")[0]
    code, out, err = run(rc, "role", "set", "evil-local", "--label", "Evil, fixed")
    assert code == 0, err
    code, out, err = run(rc, "catalog", "add", "team", "--file", str(cat), "--map", "team=corp")
    assert code == 0, err
    assert "\\u{1b}]0;owned\\u{7}" in out  # the file name, escaped
    text = cfg.read_text().replace('label = "Evil, fixed"', "label = " + toml_str(HOSTILE))
    cfg.write_text(text)

    # ~/.aws files with escapes in their values, for the import's dry run.
    dot_aws = tmp_path / "aws"
    dot_aws.mkdir()
    (dot_aws / "config").write_text(
        "[profile evil]\nrole_arn = arn:aws:iam::111111111111:role/Admin" + HOSTILE + "\nsource_profile = corp\n"
        "region = eu-west-1" + HOSTILE + "\n"
    )
    (dot_aws / "credentials").write_text("[corp]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    aws_env = dict(
        rc.env, AWS_CONFIG_FILE=str(dot_aws / "config"), AWS_SHARED_CREDENTIALS_FILE=str(dot_aws / "credentials")
    )

    code, out, err = run(rc, "role", "list")
    assert code == 0
    assert "evil-local" not in out and "rolecall: role 'evil-local' is left out: its label holds" in err, err
    assert "\tProduction\t" in out and "cat-ok" in out
    listed = json.loads(run(rc, "role", "list", "--json")[1])
    assert {r["id"] for r in listed} == {"mine", "cat-ok", "cat-lookalike", "cat-disguised"}
    for args in (
        ["catalog", "list"],
        ["catalog", "list", "--json"],
        ["catalog", "update"],
        ["doctor"],
        ["gateway", "list"],
        ["gateway", "list", "--json"],
        ["session", "list"],
        ["sso", "list"],
        ["sso", "list", "--json"],
        ["login", "evil-local"],
        ["role", "add", "x\x1b[2K", "--account", "111111111111", "--role-name", "Admin", "--gateway", "corp"],
    ):
        run(rc, *args)
    code, out, err = run(rc, "import", "aws-config", "--dry-run", env=aws_env)
    assert "\\u{1b}]52;c;cm0gLXJmIH4=\\u{7}" in out + err, out + err
    code, out, err = run(rc, "doctor")
    assert "WARN  role 'evil-local' is left out of listings: its label holds the control character U+001B" in out
    code, out, err = run(rc, "gateway", "list")
    assert "mfa=arn:aws:iam::123456789012:mfa/xProd\\u{1b}]52;c;" in out, out  # escaped
    # The host lists the rest and will not open the role that is left out.
    h = rc.host()
    assert "evil-local" not in roles_listed(h, True)
    err = h.call("console.open", {"role": "evil-local"})["error"]
    assert err["data"]["kind"] == "config_invalid" and "left out" in err["message"], err

    # The Identity Center portal's account names: escaped, and not taken as labels or groups.
    text = re.sub(r"^start_url = .*$", 'start_url = "https://acme.awsapps.com/start"', cfg.read_text(), flags=re.M)
    cfg.write_text(text.replace("label = " + toml_str(HOSTILE), 'label = "Evil, fixed"'))
    h2 = rc.host()
    assert sign_in(h2, aws)["result"]["authorized"]
    assert h2.close() == 0
    aws.sso(
        "config",
        {
            "accounts": [
                {"account_id": "777777777777", "account_name": "Acme" + HOSTILE, "roles": ["Admin"]},
                {"account_id": "787878787878", "account_name": "Fine", "roles": ["Admin"]},
            ]
        },
    )
    code, out, err = run(rc, "sso", "sync", "acme", "--dry-run")
    assert code == 0, err
    code, out, err = run(rc, "sso", "sync", "acme")
    assert code == 0, err
    listed = {r["account_id"]: r for r in json.loads(run(rc, "role", "list", "--json")[1])}
    hostile_id = listed["777777777777"]["id"]
    assert f"! {hostile_id}\tthe account's name is not used as its label: its label holds the control character U+001B" in out, out
    assert listed["777777777777"]["label"] == hostile_id and listed["777777777777"]["group"] == "acme"  # the source: the name cannot be a group
    assert listed["787878787878"]["label"] == "Fine · Admin"


def test_the_cli_refuses_labels_groups_and_links_that_break_the_rules(rc):
    rc.add_gateway("corp")
    rc.add_role("mine", "999999999999", "Admin", "corp", "--label", "Production")
    before = rc.config_text()
    base = ["role", "add", "new", "--account", "111111111111", "--role-name", "Admin", "--gateway", "corp"]
    cases = [
        (base + ["--label", HOSTILE], "its label holds the control character U+001B (character 5)"),
        (base + ["--label", "L" * 129], "its label is 129 characters long; a label has at most 128"),
        (base + ["--group", "\u202eorp"], "its group holds the control character U+202E (character 1)"),
        (base + ["--link", "S3\x07=/s3"], "link 1: its link name holds the control character U+0007"),
        (base + ["--link", "=/s3"], "link 1: its link name is empty"),
        (["role", "set", "mine", "--group", "G" * 65], "its group is 65 characters long; a group has at most 64"),
        (["role", "set", "mine", "--label", "\x1b]0;t\x07"], "its label holds the control character U+001B"),
        (["role", "set", "mine", *sum((["--link", f"l{i}=/s3"] for i in range(33)), [])], "33 links; a role has at most 32"),
        (["group", "set", "bell\x07", "--risk", "production"], "The group name is refused: its group holds"),
    ]
    for args, words in cases:
        code, out, err = run(rc, *args)
        assert code != 0, args
        assert words in err, (args, err)
        assert "Nothing was changed" in err, err
        assert rc.config_text() == before
    # At the caps, they are taken.
    code, _, err = run(rc, "role", "set", "mine", "--label", "é" * 128, "--group", "G" * 64, "--link", "S3=/s3")
    assert code == 0, err


def test_a_catalogue_url_with_a_user_part_is_refused_never_echoed_nor_stored(rc):
    digest = hashlib.sha256(b"x").hexdigest()
    for url in (
        "https://ghp_SECRET1234@127.0.0.1:1/roles.toml",
        "https://ghp_SECRET1234:x-oauth-basic@127.0.0.1:1/roles.toml",
        "https://ghp_SECRET1234@/roles.toml",
    ):
        code, out, err = run(rc, "catalog", "add", "team", "--url", url, "--sha256", digest)
        assert code != 0
        assert "holds a user name or password before its host" in err, err
        assert "ghp_SECRET1234" not in out + err
    assert not (rc.config_dir / "config.toml").exists() or "SECRET" not in rc.config_text()
    # By hand in the config: refused as the config's error, still without the token.
    rc.config_dir.mkdir(parents=True, exist_ok=True)
    (rc.config_dir / "config.toml").write_text(
        f'[[catalog]]\nname = "team"\nurl = "https://ghp_SECRET1234@example.com/r.toml"\nsha256 = "{digest}"\n'
    )
    code, out, err = run(rc, "catalog", "list")
    assert code != 0 and "catalog 'team': the URL holds a user name or password" in err, err
    assert "ghp_SECRET1234" not in out + err
