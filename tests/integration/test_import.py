"""`rolecall import aws-config`: real-world ~/.aws files into roles and gateways, keys moved
into the real (test-session) keyring, dry runs that touch nothing, re-imports that update
in place."""

import json
import os
import shutil
import stat
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aws"

IMPORTED_ROLES = ["prod-admin", "staging-ro", "audit", "billing", "sso-dev"]
NOT_IMPORTED = {
    "default": "no role profile uses it",
    "chained-dev": "role chain",
    "helper": "credential_process",
    "ci": "credential_source = Environment",
    "vaulted": "missing keys",
    "vault-user": "only to skipped profiles (vaulted)",
}


def aws_home(tmp_path, aws):
    """A HOME whose ~/.aws holds the fixtures, corp's keys being the stack's gateway user's."""
    home = tmp_path / "home"
    dot_aws = home / ".aws"
    dot_aws.mkdir(parents=True)
    shutil.copy(FIXTURES / "config", dot_aws / "config")
    key_id, secret = aws.gateway_keys
    text = (FIXTURES / "credentials").read_text()
    text = text.replace("@GATEWAY_KEY_ID@", key_id).replace("@GATEWAY_SECRET@", secret)
    (dot_aws / "credentials").write_text(text)
    os.chmod(dot_aws / "credentials", 0o600)
    return home


def env_for(rc, home):
    env = dict(rc.env, HOME=str(home))
    env.pop("AWS_CONFIG_FILE", None)
    env.pop("AWS_SHARED_CREDENTIALS_FILE", None)
    return env


def roles(rc, env):
    r = rc.cli("role", "list", "--json", env=env)
    assert r.returncode == 0, r.stderr
    return {x["id"]: x for x in json.loads(r.stdout)}


def gateways(rc, env):
    r = rc.cli("gateway", "list", "--json", env=env)
    assert r.returncode == 0, r.stderr
    return {x["name"]: x for x in json.loads(r.stdout)}


def test_profiles_become_roles_and_gateways_and_the_rest_is_listed(rc, aws, tmp_path):
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    r = rc.cli("import", "aws-config", env=env)
    assert r.returncode == 0, r.stderr

    got = roles(rc, env)
    assert sorted(got) == sorted(IMPORTED_ROLES)
    prod = got["prod-admin"]
    assert (prod["account_id"], prod["role_name"], prod["gateway"], prod["region"]) == (
        "111111111111",
        "Admin",
        "corp",
        "eu-west-1",
    )
    staging = got["staging-ro"]
    assert staging["role_name"] == "teams/ReadOnly"
    assert staging["region"] == "us-east-1"  # the gateway's, as the profile names none
    assert got["audit"]["gateway"] == "legacy" and got["audit"]["mfa"] is True
    assert got["prod-admin"]["mfa"] is False
    # The IAM Identity Center profile became an SSO role of its sso-session.
    sso = got["sso-dev"]
    assert (sso["source"], sso["sso"], sso["account_id"], sso["role_name"], sso["region"]) == (
        "sso",
        "acme",
        "555555555555",
        "Developer",
        "us-west-2",
    )
    assert "IAM Identity Center sources:" in r.stdout and "rolecall sso login acme" in r.stdout
    listed = json.loads(rc.cli("sso", "list", "--json", env=env).stdout)
    assert [(s["name"], s["start_url"], s["region"]) for s in listed] == [
        ("acme", "https://acme.awsapps.com/start", "us-east-1")
    ]

    config = rc.config_text()
    assert 'external_id = "staging-ext-42"' in config
    assert 'session_name = "ana"' in config
    assert "duration_seconds = 3600" in config
    # No key material reaches the config.
    assert aws.gateway_keys[0] not in config and "AKIAI44QH8DHBEXAMPLE" not in config

    gws = gateways(rc, env)
    assert sorted(gws) == ["corp", "legacy"]
    assert gws["corp"]["region"] == "us-east-1"
    # rolecall asks MFA per gateway: the first profile's device, and the disagreement said.
    assert gws["legacy"]["mfa_serial"] == "arn:aws:iam::999999999999:mfa/ana"
    assert "different MFA devices" in r.stdout and "billing: arn:aws:iam::999999999999:mfa/ana-yubikey" in r.stdout
    # Without --move-keys the keys stay where they are, and the output says so.
    assert gws["corp"]["keys"] == "MISSING"
    assert "--move-keys" in r.stdout

    # Every profile that was not imported is named with its reason.
    for profile, reason in NOT_IMPORTED.items():
        line = next((l for l in r.stdout.splitlines() if l.strip().startswith(f"- {profile}:")), None)
        assert line is not None, f"{profile} not listed:\n{r.stdout}"
        assert reason in line, line
    # A non-profile section (sso-session) is not reported as a profile.
    assert "- acme" not in r.stdout


def test_dry_run_changes_nothing(rc, aws, tmp_path):
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    before = {p: p.read_bytes() for p in (home / ".aws").iterdir()}
    for extra in ([], ["--move-keys"]):
        r = rc.cli("import", "aws-config", "--dry-run", *extra, env=env)
        assert r.returncode == 0, r.stderr
        assert "dry run" in r.stdout and "+ prod-admin" in r.stdout
        if extra:
            assert "would move" in r.stdout
            # Keys out of ~/.aws/credentials leave the AWS CLI's profiles without any: the
            # dry run says what keeps them working.
            assert "--write-credential-process" in r.stdout and "credential_process" in r.stdout
    after = {p: p.read_bytes() for p in (home / ".aws").iterdir()}
    assert after == before
    assert not rc.config_dir.exists()
    assert gateways(rc, env) == {}
    # Nothing reached the keyring either: a real import then finds no keys stored.
    r = rc.cli("import", "aws-config", env=env)
    assert gateways(rc, env)["corp"]["keys"] == "MISSING"


def test_move_keys_without_a_keyring_moves_nothing_and_says_so(rc, aws, tmp_path):
    """Issue 27: with no keyring reachable, `import --move-keys` listed every key as moved
    and then failed. Now it says nothing was moved, changes nothing and exits non-zero."""
    home = aws_home(tmp_path, aws)
    env = dict(env_for(rc, home), DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    env.pop("DISPLAY", None)
    before = {p: p.read_bytes() for p in (home / ".aws").iterdir()}
    r = rc.cli("import", "aws-config", "--move-keys", env=env)
    assert r.returncode == 1, r.stdout
    assert "moved" not in r.stdout.replace("nothing was moved", ""), r.stdout
    assert "nothing was moved or imported" in r.stderr and "unchanged" in r.stderr, r.stderr
    assert {p: p.read_bytes() for p in (home / ".aws").iterdir()} == before
    assert not (rc.config_dir / "config.toml").exists()


def test_move_keys_puts_them_in_the_keyring_and_takes_them_out_of_the_file(rc, aws, tmp_path):
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    creds = home / ".aws" / "credentials"
    original = creds.read_bytes()
    r = rc.cli("import", "aws-config", "--move-keys", env=env)
    assert r.returncode == 0, r.stderr
    # The last word is what keeps the AWS CLI working now that its keys are gone.
    assert "rolecall import aws-config --write-credential-process" in r.stdout.strip().splitlines()[-1]

    gws = gateways(rc, env)
    assert gws["corp"]["keys"] == "in keyring" and gws["legacy"]["keys"] == "in keyring"

    text = creds.read_text()
    for gone in (aws.gateway_keys[0], aws.gateway_keys[1], "AKIAI44QH8DHBEXAMPLE", "fixtureLegacySecret"):
        assert gone not in text
    assert "[corp]" not in text and "[legacy]" not in text
    # What was not moved stays, byte for byte, comments included.
    assert text.startswith("; Long-term keys of the gateway users.")
    assert "[default]\naws_access_key_id = AKIADEFAULT0EXAMPLE0\n" in text
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600

    backups = list((home / ".aws").glob("credentials.rolecall-backup-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == original
    assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    assert str(backups[0]) in r.stdout

    # The moved keys work: a console opens with them, through the real STS (moto).
    h = rc.host(env)
    res = h.call("console.open", {"role": "prod-admin"})
    assert "result" in res, res
    assert res["result"]["account_id"] == "111111111111"
    assert any(c["action"] == "AssumeRole" and c["role_session_name"] == "ana" for c in aws.stats()["sts_calls"])
    assert h.close() == 0

    # Importing again: the sources' keys are now found in the keyring; nothing duplicates.
    r = rc.cli("import", "aws-config", "--move-keys", env=env)
    assert r.returncode == 0, r.stderr
    assert sorted(roles(rc, env)) == sorted(IMPORTED_ROLES)
    assert rc.config_text().count("[[gateway]]") == 2
    assert "= prod-admin (unchanged)" in r.stdout
    assert len(list((home / ".aws").glob("credentials.rolecall-backup-*"))) == 1
    assert creds.read_text() == text


def test_import_replacing_a_gateways_keys_forgets_what_the_old_keys_made(rc, aws, tmp_path):
    """Issue 25, finding 4, the import's way to new keys: as with `gateway add`, the
    sessions the old keys made are not used again (a running host's memory included)."""
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    assert rc.cli("import", "aws-config", "--move-keys", env=env).returncode == 0
    h = rc.host(env)
    assert h.call("console.open", {"role": "prod-admin"})["result"]["cached"] is False
    assert h.call("console.open", {"role": "prod-admin"})["result"]["cached"] is True
    iam = aws.admin("iam")
    new = iam.create_access_key(UserName="gateway")["AccessKey"]
    try:
        creds = home / ".aws" / "credentials"
        creds.write_text(
            f"[corp]\naws_access_key_id = {new['AccessKeyId']}\n"
            f"aws_secret_access_key = {new['SecretAccessKey']}\n"
        )
        r = rc.cli("import", "aws-config", "--move-keys", env=env)
        assert r.returncode == 0, r.stderr
        calls = len(aws.stats()["sts_calls"])
        assert h.call("console.open", {"role": "prod-admin"})["result"]["cached"] is False
        [call] = aws.stats()["sts_calls"][calls:]
        assert call["access_key_id"] == new["AccessKeyId"], call
        assert h.close() == 0
        assert "replacing different keys" in r.stdout and "Forgot 1 cached session " in r.stdout, r.stdout
    finally:
        iam.delete_access_key(UserName="gateway", AccessKeyId=new["AccessKeyId"])


def test_importing_twice_updates_in_place_and_keeps_rolecall_fields(rc, aws, tmp_path):
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    assert rc.cli("import", "aws-config", env=env).returncode == 0
    r = rc.cli(
        "role", "add", "prod-admin", "--account", "111111111111", "--role-name", "Admin",
        "--gateway", "corp", "--region", "eu-west-1", "--label", "Production", "--color", "red",
        "--risk", "production", "--group", "Acme", "--replace", env=env,
    )
    assert r.returncode == 0, r.stderr
    # The AWS profile changes its region; rolecall's own fields must survive the re-import.
    config = home / ".aws" / "config"
    config.write_text(config.read_text().replace("region = eu-west-1\nrole_session_name", "region = eu-north-1\nrole_session_name"))
    r = rc.cli("import", "aws-config", env=env)
    assert r.returncode == 0, r.stderr
    assert "~ prod-admin (updated: region: eu-west-1 → eu-north-1" in r.stdout
    got = roles(rc, env)
    assert sorted(got) == sorted(IMPORTED_ROLES)
    prod = got["prod-admin"]
    assert (prod["label"], prod["color"], prod["group"], prod["region"]) == ("Production", "red", "Acme", "eu-north-1")
    assert rc.config_text().count('id = "prod-admin"') == 1


def test_explicit_paths_and_missing_files(rc, aws, tmp_path):
    home = aws_home(tmp_path, aws)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(home / ".aws"), elsewhere)
    env = env_for(rc, home)
    r = rc.cli("import", "aws-config", "--dry-run", env=env)
    assert r.returncode == 1
    assert "--file" in r.stderr and str(home / ".aws" / "config") in r.stderr
    r = rc.cli(
        "import", "aws-config", "--file", str(elsewhere / "config"),
        "--credentials", str(elsewhere / "credentials"), env=env,
    )
    assert r.returncode == 0, r.stderr
    assert sorted(roles(rc, env)) == sorted(IMPORTED_ROLES)
    # AWS_CONFIG_FILE is honoured like the AWS CLI does.
    env2 = dict(env, AWS_CONFIG_FILE=str(elsewhere / "config"), AWS_SHARED_CREDENTIALS_FILE=str(elsewhere / "credentials"))
    r = rc.cli("import", "aws-config", "--dry-run", env=env2)
    assert r.returncode == 0 and "= prod-admin (unchanged)" in r.stdout, r.stdout + r.stderr


# Files as people write them, read as the AWS CLI reads them (issue 11, items 12 to 16): a
# byte-order mark, quoted names, [default] beside [profile default], a profile with both
# source_profile and credential_source, an indented header, empty keys, [profile x] in the
# credentials file, a role from an SSO profile.
CONFORMANCE_CONFIG = """\ufeff[default]
role_arn = arn:aws:iam::999999999999:role/Nobody
source_profile = corp
[profile default]
region = eu-west-1

[profile "prod"]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = corp

[profile "corp"]
region = us-east-1

[profile both]
role_arn = arn:aws:iam::222222222222:role/Both
source_profile = corp
credential_source = Environment

[profile shifted]
region = eu-west-1
  [profile hidden]
role_arn = arn:aws:iam::333333333333:role/Hidden
source_profile = corp

[profile via-empty]
role_arn = arn:aws:iam::444444444444:role/Empty
source_profile = empty

[profile via-sso]
role_arn = arn:aws:iam::555555555555:role/Sso
source_profile = sso-user

[profile sso-user]
sso_session = acme
"""

CONFORMANCE_CREDENTIALS = """\ufeff[corp]
aws_access_key_id = @ID@
aws_secret_access_key = @SECRET@

[empty]
aws_access_key_id =
aws_secret_access_key =

[profile typo]
aws_access_key_id = AKIATYPO0000EXAMPLE0
aws_secret_access_key = typoSecret/0123456789abcdefghijklmnopqr
"""


def test_files_are_read_as_the_aws_cli_reads_them(rc, aws, tmp_path):
    home = tmp_path / "home"
    dot_aws = home / ".aws"
    dot_aws.mkdir(parents=True)
    (dot_aws / "config").write_text(CONFORMANCE_CONFIG, encoding="utf-8")
    key_id, secret = aws.gateway_keys
    creds = dot_aws / "credentials"
    creds.write_text(CONFORMANCE_CREDENTIALS.replace("@ID@", key_id).replace("@SECRET@", secret), encoding="utf-8")
    env = env_for(rc, home)
    r = rc.cli("import", "aws-config", "--move-keys", env=env)
    assert r.returncode == 0, r.stderr
    out = r.stdout

    def reason(profile):
        line = next((l for l in out.splitlines() if l.strip().startswith(f"- {profile}:")), None)
        assert line is not None, f"{profile} not listed:\n{out}"
        return line

    # [profile "prod"] is prod and its gateway [profile "corp"] is corp; [default]'s role is
    # nobody's, as [profile default] replaces it.
    got = roles(rc, env)
    assert sorted(got) == ["prod"], out
    assert got["prod"]["gateway"] == "corp"
    assert gateways(rc, env)["corp"]["region"] == "us-east-1"
    assert "ignores [default]" in out
    assert "nothing for rolecall" in reason("default")
    assert "both source_profile and credential_source" in reason("both")
    # The indented header continued shifted's region: no profile hidden, and a warning.
    assert "[profile hidden]' is indented" in out
    assert "not an AWS region" in reason("shifted") and "- hidden:" not in out
    assert "missing keys" in reason("via-empty") and "only one of" not in out
    assert "SSO" in reason("sso-user") and "only to skipped profiles (via-sso)" in reason("sso-user")
    assert "[profile typo] of the credentials file is not a profile (profiles there are written [typo]" in out
    assert out.count("byte-order mark") == 2

    # The keys moved out of [corp]; the byte-order mark stays at the start of the file.
    text = creds.read_text(encoding="utf-8")
    assert secret not in text
    assert text.startswith("\ufeff[empty]\n"), repr(text[:40])
    assert "typoSecret" in text


def test_legacy_and_session_sso_profiles_become_sources_and_roles_once(rc, aws, tmp_path):
    """[sso-session] profiles and legacy ones (sso_start_url/sso_region in the profile) as
    the AWS CLI reads them; a re-import updates in place; a broken one says why."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n\n"
        "[profile corp-admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = AdministratorAccess\n\n"
        "[profile old-style]\nsso_start_url = https://legacy-co.awsapps.com/start\nsso_region = us-east-2\n"
        "sso_account_id = 222222222222\nsso_role_name = ReadOnly\n\n"
        "[profile old-style-2]\nsso_start_url = https://legacy-co.awsapps.com/start\nsso_region = us-east-2\n"
        "sso_account_id = 333333333333\nsso_role_name = ReadOnly\n\n"
        "[profile dangling]\nsso_session = nope\nsso_account_id = 111111111111\nsso_role_name = X\n"
    )
    env = env_for(rc, home)
    r = rc.cli("import", "aws-config", env=env)
    assert r.returncode == 0, r.stderr
    got = roles(rc, env)
    assert sorted(got) == ["corp-admin", "old-style", "old-style-2"]
    assert got["corp-admin"]["sso"] == "corp" and got["corp-admin"]["region"] == "eu-west-1"
    assert got["old-style"]["sso"] == got["old-style-2"]["sso"] == "legacy-co"
    assert got["old-style"]["region"] == "us-east-2"
    assert "- dangling: it names sso_session nope, which the config file does not define" in r.stdout
    config = rc.config_text()
    assert config.count("[[sso]]") == 2
    again = rc.cli("import", "aws-config", env=env)
    assert "0 roles added, 0 updated, 3 unchanged" in again.stdout, again.stdout
    assert rc.config_text() == config


def test_new_mfa_gateways_are_daily_production_is_marked_and_roles_are_grouped(rc, aws, tmp_path):
    """Issue 26, points 4, 6 and 8 on import: a new gateway with an MFA device spends one code
    a day (written out; `--mfa-mode per-role` keeps a code per role), a profile whose name has
    the word prod is production and red, and roles are grouped by their gateway or SSO
    source, never one per account; the dry run says all of it."""
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    r = rc.cli("import", "aws-config", "--dry-run", env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    legacy = next(l for l in lines if l.strip().startswith("+ legacy"))
    assert "MFA daily: one code opens every role of the gateway for 12 h" in legacy, legacy
    corp = next(l for l in lines if l.strip().startswith("+ corp"))
    assert "MFA" not in corp, corp  # no device, no mode
    prod = next(l for l in lines if l.strip().startswith("+ prod-admin"))
    assert "group corp" in prod and "production" in prod, prod
    staging = next(l for l in lines if l.strip().startswith("+ staging-ro"))
    assert "group corp" in staging and "production" not in staging, staging
    assert "group acme" in next(l for l in lines if l.strip().startswith("+ sso-dev"))
    assert not rc.config_dir.exists()

    r = rc.cli("import", "aws-config", "--move-keys", env=env)
    assert r.returncode == 0, r.stderr
    assert 'mfa_mode = "daily"' in rc.config_text()
    gws = gateways(rc, env)
    assert gws["legacy"]["mfa_mode"] == "daily" and gws["legacy"]["mfa_session_hours"] == 12
    got = roles(rc, env)
    assert {i: r["group"] for i, r in got.items()} == {
        "prod-admin": "corp",
        "staging-ro": "corp",
        "audit": "legacy",
        "billing": "legacy",
        "sso-dev": "acme",
    }
    assert {i for i, r in got.items() if r["risk"] == "production"} == {"prod-admin"}
    assert got["prod-admin"]["color"] == "red"
    assert all(r["color"] != "red" for i, r in got.items() if i != "prod-admin")
    # The daily mode reaches the host: the first open's prompt says what a code covers.
    h = rc.host(env)
    err = h.call("console.open", {"role": "audit"})["error"]
    assert err["data"]["kind"] == "mfa_required" and err["data"]["mfa_mode"] == "daily", err
    assert err["data"]["mfa_session_hours"] == 12
    assert h.close() == 0

    # The user's own group and risk survive the next import; nothing else changes.
    for args in (["audit", "--group", "Auditing"], ["prod-admin", "--risk", "none"]):
        assert rc.cli("role", "set", *args, env=env).returncode == 0
    r = rc.cli("import", "aws-config", env=env)
    assert r.returncode == 0, r.stderr
    assert "= audit (unchanged)" in r.stdout and "= prod-admin (unchanged)" in r.stdout, r.stdout
    got = roles(rc, env)
    assert got["audit"]["group"] == "Auditing" and got["prod-admin"]["risk"] is None
    assert got["prod-admin"]["color"] != "red"


def test_import_mfa_mode_per_role_and_existing_gateways_keep_their_mode(rc, aws, tmp_path):
    home = aws_home(tmp_path, aws)
    env = env_for(rc, home)
    r = rc.cli("import", "aws-config", "--mfa-mode", "per-role", "--dry-run", env=env)
    assert r.returncode == 0, r.stderr
    legacy = next(l for l in r.stdout.splitlines() if l.strip().startswith("+ legacy"))
    assert "MFA per role" in legacy, legacy
    r = rc.cli("import", "aws-config", "--mfa-mode", "per-role", env=env)
    assert r.returncode == 0, r.stderr
    assert gateways(rc, env)["legacy"]["mfa_mode"] == "per_role"
    assert 'mfa_mode = "per_role"' in rc.config_text()

    # A gateway configured before daily became the default (no mfa_mode written) is
    # neither changed nor given one by an import: it stays per role.
    config = rc.config_dir / "config.toml"
    config.write_text(config.read_text().replace('mfa_mode = "per_role"\n', ""))
    assert "mfa_mode" not in config.read_text()
    r = rc.cli("import", "aws-config", env=env)
    assert r.returncode == 0, r.stderr
    assert "= legacy (unchanged)" in r.stdout and "MFA per role" in r.stdout, r.stdout
    assert "mfa_mode" not in config.read_text()
    assert gateways(rc, env)["legacy"]["mfa_mode"] == "per_role"


def test_red_is_for_production_roles_only(rc, aws):
    """Issue 26, point 6: `color` in roles.list is what the container must be: red for a
    production role (its own risk or its group's) whatever colour it names, never red for any
    other; the CLI refuses red without production risk."""
    rc.add_gateway()
    r = rc.cli("role", "add", "dev", "--account", "111111111111", "--role-name", "Dev", "--gateway", "corp", "--color", "red")
    assert r.returncode == 1 and "Red is kept for production roles" in r.stderr, r.stderr
    assert "dev" not in rc.config_text()
    rc.add_role("dev", "111111111111", "Dev", "corp", "--color", "blue")
    r = rc.cli("role", "set", "dev", "--color", "red")
    assert r.returncode == 1 and "--risk production" in r.stderr, r.stderr
    rc.add_role("prod", "222222222222", "Admin", "corp", "--risk", "production", "--color", "red")
    r = rc.cli("role", "set", "prod", "--color", "green")
    assert r.returncode == 0 and "stays red while it is a production role" in r.stdout, r.stdout
    # A group's production risk counts too, for the CLI and for the colour.
    rc.add_role("grouped", "333333333333", "Admin", "corp", "--group", "Payments")
    assert rc.cli("group", "set", "Payments", "--risk", "production").returncode == 0
    assert rc.cli("role", "set", "grouped", "--color", "red").returncode == 0
    # A red role that is not production (an older config, a hand edit): its account's colour.
    config = rc.config_dir / "config.toml"
    config.write_text(config.read_text().replace('color = "blue"', 'color = "red"'))
    h = rc.host()
    roles = {x["id"]: x for x in h.call("roles.list")["result"]["roles"]}
    assert {i: (x["color"], x["risk"]) for i, x in roles.items()} == {
        "dev": ("turquoise", None),  # 111111111111's own colour
        "prod": ("red", "production"),
        "grouped": ("red", "production"),
    }
    opened = h.call("console.open", {"role": "dev"})["result"]
    assert opened["container"]["color"] == "turquoise"
    assert h.close() == 0
