"""`rolecall install`: native-messaging manifests in a temporary HOME, for every browser."""

import json
import os
from pathlib import Path

import pytest

from host import binary

HOST = "dev.rolecall.host"
FIREFOX = {"allowed_extensions": ["rolecall@rolecall.dev"]}
CHROMIUM = {"allowed_origins": ["chrome-extension://oljmfdijhnpmpkckkddnkphelbdifbmp/"]}

# browser -> (folder that says it is set up, manifest folder), relative to HOME (Linux).
BROWSERS = {
    "firefox": (".mozilla", ".mozilla/native-messaging-hosts", FIREFOX),
    "chrome": (".config/google-chrome", ".config/google-chrome/NativeMessagingHosts", CHROMIUM),
    "chromium": (".config/chromium", ".config/chromium/NativeMessagingHosts", CHROMIUM),
    "edge": (".config/microsoft-edge", ".config/microsoft-edge/NativeMessagingHosts", CHROMIUM),
    "brave": (
        ".config/BraveSoftware/Brave-Browser",
        ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
        CHROMIUM,
    ),
}


@pytest.fixture
def home(rc, tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    return h


def run(rc, home, *args):
    return rc.cli("install", *args, env=dict(rc.env, HOME=str(home)))


def manifest(home, browser):
    return home / BROWSERS[browser][1] / f"{HOST}.json"


def tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("browser", sorted(BROWSERS))
def test_each_browser_gets_an_exact_manifest(rc, home, browser):
    r = run(rc, home, "--browser", browser)
    assert r.returncode == 0, r.stderr
    path = manifest(home, browser)
    assert str(path) in r.stdout
    m = json.loads(path.read_text())
    assert isinstance(m.pop("description"), str)
    exe = Path(binary()).resolve()
    assert m == {"name": HOST, "path": str(exe), "type": "stdio", **BROWSERS[browser][2]}
    assert Path(m["path"]).is_absolute() and Path(m["path"]).is_file()
    assert os.access(m["path"], os.X_OK)
    # Only this browser was touched.
    others = [b for b in BROWSERS if b != browser]
    assert not any(manifest(home, b).exists() for b in others)
    assert not os.stat(path).st_mode & 0o022, "the manifest must not be writable by others"


def test_all_installs_where_browsers_are_set_up_and_says_what_it_skipped(rc, home):
    (home / ".mozilla").mkdir()
    (home / ".config" / "chromium" / "Default").mkdir(parents=True)
    r = run(rc, home, "--browser", "all")
    assert r.returncode == 0, r.stderr
    assert manifest(home, "firefox").exists() and manifest(home, "chromium").exists()
    for b in ("chrome", "edge", "brave"):
        assert not (home / BROWSERS[b][0]).exists(), f"{b}'s folder must not be created"
    assert "Skipped" in r.stdout
    for name in ("Google Chrome", "Microsoft Edge", "Brave"):
        assert name in r.stdout

    # Idempotent: a second run rewrites nothing and leaves the same tree.
    before = tree(home)
    stamps = {b: manifest(home, b).stat().st_mtime_ns for b in ("firefox", "chromium")}
    r = run(rc, home)  # --browser all is the default
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("already up to date") == 2
    assert tree(home) == before
    assert {b: manifest(home, b).stat().st_mtime_ns for b in stamps} == stamps


def test_a_fresh_machine_with_no_browser_is_not_an_error(rc, home):
    r = run(rc, home, "--browser", "all")
    assert r.returncode == 0, r.stderr
    assert "No browser was found for this user, so nothing was installed" in r.stdout
    # What was looked for, and where: each browser and the folder it would have.
    for browser, folder in [("Firefox", ".mozilla"), ("Chromium", ".config/chromium"), ("Chrome", "google-chrome")]:
        assert f"{browser} in " in r.stdout and folder in r.stdout, r.stdout
    assert tree(home) == []


def test_a_stale_manifest_is_rewritten(rc, home):
    path = manifest(home, "firefox")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"name": HOST, "path": "/old/rolecall", "type": "stdio", **FIREFOX}))
    r = run(rc, home, "--browser", "firefox")
    assert r.returncode == 0 and "wrote" in r.stdout
    assert json.loads(path.read_text())["path"] == str(Path(binary()).resolve())


def test_uninstall_removes_only_what_install_wrote(rc, home):
    (home / ".mozilla").mkdir()
    (home / ".config" / "google-chrome").mkdir(parents=True)
    assert run(rc, home).returncode == 0
    # Another host's manifest, and a file of the user's, beside ours.
    other = manifest(home, "firefox").with_name("org.example.other.json")
    other.write_text('{"name": "org.example.other"}')
    keep = home / ".config" / "google-chrome" / "NativeMessagingHosts" / "notes.txt"
    keep.write_text("mine")
    before = set(tree(home))

    r = run(rc, home, "--uninstall")
    assert r.returncode == 0, r.stderr
    assert "removed" in r.stdout and "not installed" in r.stdout
    after = set(tree(home))
    assert before - after == {
        str(manifest(home, "firefox").relative_to(home)),
        str(manifest(home, "chrome").relative_to(home)),
    }
    assert other.read_text() == '{"name": "org.example.other"}' and keep.read_text() == "mine"

    # Uninstalling again is harmless.
    r = run(rc, home, "--uninstall", "--browser", "firefox")
    assert r.returncode == 0 and "not installed" in r.stdout
    assert set(tree(home)) == after


# Linux system-wide folders, relative to /: what `install --system` and the Debian package
# write. Brave reads Chrome's (native-host/src/browser/install/table.rs says how that was found).
SYSTEM = {
    "firefox": ("usr/lib/mozilla/native-messaging-hosts", FIREFOX),
    "chrome": ("etc/opt/chrome/native-messaging-hosts", CHROMIUM),
    "chromium": ("etc/chromium/native-messaging-hosts", CHROMIUM),
    "edge": ("etc/opt/edge/native-messaging-hosts", CHROMIUM),
    "brave": ("etc/opt/chrome/native-messaging-hosts", CHROMIUM),
}


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def system_env(rc, home, root):
    return dict(rc.env, HOME=str(home), ROLECALL_SYSTEM_ROOT=str(root))


def test_system_install_writes_each_browsers_system_folder_for_everyone(rc, home, tmp_path):
    root = tmp_path / "root"
    env = system_env(rc, home, root)
    r = rc.cli("install", "--system", env=env)
    assert r.returncode == 0, r.stderr
    assert "for every user of this machine" in r.stdout
    exe = str(Path(binary()).resolve())
    assert files(root) == sorted({f"{d}/{HOST}.json" for d, _ in SYSTEM.values()})
    for browser, (folder, allow) in SYSTEM.items():
        path = root / folder / f"{HOST}.json"
        assert str(path) in r.stdout, browser
        m = json.loads(path.read_text())
        assert isinstance(m.pop("description"), str)
        assert m == {"name": HOST, "path": exe, "type": "stdio", **allow}, browser
        assert os.stat(path).st_mode & 0o777 == 0o644, "every user's browser reads it"
        assert os.stat(path.parent).st_mode & 0o777 == 0o755
    assert tree(home) == [], "nothing per user"

    # Uninstall removes those files and nothing else.
    other = root / SYSTEM["chromium"][0] / "org.example.other.json"
    other.write_text("{}")
    r = rc.cli("install", "--system", "--uninstall", env=env)
    assert r.returncode == 0, r.stderr
    assert files(root) == [str(other.relative_to(root))]
    assert (root / SYSTEM["edge"][0]).is_dir(), "folders stay"


def test_a_package_is_staged_with_manifests_naming_its_binary(rc, home, tmp_path):
    stage = tmp_path / "stage"
    r = rc.cli(
        "install", "--system", "--root", str(stage), "--binary", "/usr/bin/rolecall",
        env=dict(rc.env, HOME=str(home)),
    )
    assert r.returncode == 0, r.stderr
    assert len(files(stage)) == 4
    for folder, _ in SYSTEM.values():
        assert json.loads((stage / folder / f"{HOST}.json").read_text())["path"] == "/usr/bin/rolecall"
    r = rc.cli("install", "--system", "--binary", "rolecall", "--root", str(stage), env=rc.env)
    assert r.returncode != 0 and "must be absolute" in r.stderr
    # The staging options are for packaging: they need --system.
    r = rc.cli("install", "--root", str(stage), env=rc.env)
    assert r.returncode == 2


def test_a_system_wide_registration_of_this_binary_is_used_instead_of_a_per_user_copy(rc, home, tmp_path):
    root = tmp_path / "root"
    env = system_env(rc, home, root)
    assert rc.cli("install", "--system", env=env).returncode == 0
    (home / ".mozilla").mkdir()
    (home / ".config" / "chromium").mkdir(parents=True)
    r = rc.cli("install", env=env)
    assert r.returncode == 0, r.stderr
    for browser in ("firefox", "chromium"):
        system = root / SYSTEM[browser][0] / f"{HOST}.json"
        assert f"registered for every user by {system}, which starts this binary" in r.stdout
    assert r.stdout.count("registered for every user by") == 5
    assert "rolecall install --user --browser NAME" in r.stdout
    assert "nothing was installed" not in r.stdout
    assert tree(home) == [".config", ".config/chromium", ".mozilla"], "no per-user copy"

    # Unless asked.
    r = rc.cli("install", "--user", "--browser", "firefox", env=env)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and manifest(home, "firefox").exists()
    # A per-user manifest that exists is kept current (the browser reads it first).
    r = rc.cli("install", env=env)
    assert f"Firefox: already up to date: {manifest(home, 'firefox')}" in r.stdout
    assert "Chromium: registered for every user" in r.stdout


def test_a_system_manifest_for_another_binary_leaves_a_per_user_copy_in_front(rc, home, tmp_path):
    root = tmp_path / "root"
    env = system_env(rc, home, root)
    r = rc.cli("install", "--system", "--binary", "/usr/bin/rolecall", env=env)
    assert r.returncode == 0, r.stderr
    (home / ".mozilla").mkdir()
    r = rc.cli("install", env=env)
    assert r.returncode == 0, r.stderr
    assert manifest(home, "firefox").exists()
    system = root / SYSTEM["firefox"][0] / f"{HOST}.json"
    assert f"(read before the system-wide {system}, which starts /usr/bin/rolecall)" in r.stdout
    assert "registered for every user" not in r.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="as root this would write to the real /etc")
def test_a_system_install_of_a_binary_users_can_change_is_refused(rc, home, tmp_path):
    # The premise: this user can change the binary (their own build). A checkout of another
    # user's (read-only here) gets the plain permission error instead, which is not this case.
    if not os.access(Path(binary()).resolve(), os.W_OK):
        pytest.skip(f"{binary()} is not writable by this user, so it is not a binary users can change")
    r = rc.cli("install", "--system", env=dict(rc.env, HOME=str(home), ROLECALL_SYSTEM_ROOT="/"))
    assert r.returncode == 1
    assert "cannot be registered for every user" in r.stderr, r.stderr
    assert "not root" in r.stderr
