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
    assert "nothing was installed" in r.stdout
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
