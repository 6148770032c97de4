"""The Debian package on a real machine (tests/package.sh deb, as root): nothing of it before
`dpkg -i`; afterwards every file it placed, with its mode, owner and contents; after `dpkg -r`,
nothing of it left. tests/package.sh runs the three groups in turn (-k before / installed /
removed) around dpkg, and the Firefox end-to-end run between the last two."""

import gzip
import io
import json
import os
import re
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEB = Path(os.environ.get("ROLECALL_DEB", "/nonexistent.deb"))
WORK = Path(os.environ.get("ROLECALL_DEB_WORK", "/nonexistent"))
BINARY = "/usr/bin/rolecall"
HOST = "dev.rolecall.host"
FIREFOX = {"allowed_extensions": ["rolecall@rolecall.dev"]}
CHROMIUM = {"allowed_origins": ["chrome-extension://oljmfdijhnpmpkckkddnkphelbdifbmp/"]}
# The browsers' system-wide folders (native-host/src/browser/install/table.rs says how each was
# checked; Brave reads Chrome's).
MANIFESTS = {
    f"/usr/lib/mozilla/native-messaging-hosts/{HOST}.json": FIREFOX,
    f"/etc/opt/chrome/native-messaging-hosts/{HOST}.json": CHROMIUM,
    f"/etc/chromium/native-messaging-hosts/{HOST}.json": CHROMIUM,
    f"/etc/opt/edge/native-messaging-hosts/{HOST}.json": CHROMIUM,
}
# The one file the Chromium family's /etc links point at (links, not conffiles: dpkg -r
# removes them).
SHARED = f"/usr/share/rolecall/native-messaging-hosts/chromium/{HOST}.json"
USER_DOCS = ("INSTALL.md", "CLI.md", "CONFIGURATION.md", "BROWSER.md", "TROUBLESHOOTING.md", "SECURITY.md")
DOCS = {
    "/usr/share/doc/rolecall/" + n
    for n in ("copyright", "README.md.gz", "LICENSE-MIT", "LICENSE-APACHE", "THIRD-PARTY-LICENSES.md")
} | {f"/usr/share/doc/rolecall/docs/{n}.gz" for n in USER_DOCS} | {"/usr/share/doc/rolecall/docs/popup.png"}

pytestmark = pytest.mark.skipif(not DEB.is_file() or not WORK.is_dir(), reason="run by tests/package.sh deb")


def members():
    """The package's data: path -> tar member."""
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", DEB], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {"/" + m.name.lstrip("./").rstrip("/"): m for m in tar.getmembers() if m.name.strip("./")}


def extension_files():
    dist = REPO / "extension" / "dist"
    out = {f"/usr/share/rolecall/{n}": dist / n for n in ("rolecall-firefox.xpi", "rolecall-chromium.zip")}
    for browser in ("firefox", "chromium"):
        for p in (dist / browser).rglob("*"):
            if p.is_file():
                out[f"/usr/share/rolecall/{browser}/{p.relative_to(dist / browser)}"] = p
    return out


def dpkg_status():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "rolecall"], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else "unknown"


# ---------- before dpkg -i ----------


def test_before_nothing_of_the_package_is_here():
    assert "installed" not in dpkg_status().split()
    before = {}
    for path, m in members().items():
        if m.isdir():
            here = os.path.isdir(path)
            # dpkg adopts an empty folder no package owns (/etc/opt on some machines) and
            # removes it with the package, as it does for every package.
            adoptable = here and not os.listdir(path) and subprocess.run(["dpkg", "-S", path], capture_output=True).returncode != 0
            before[path] = {"here": here, "adoptable": adoptable}
        else:
            assert not os.path.lexists(path), f"{path} is here already: the test would overwrite and remove it"
    (WORK / "dirs-before.json").write_text(json.dumps(before))


# ---------- installed ----------


def test_installed_with_its_control_fields():
    assert dpkg_status() == "install ok installed"
    fields = dict(
        line.split(": ", 1)
        for line in subprocess.run(
            ["dpkg-query", "-W", "-f=Version: ${Version}\nArchitecture: ${Architecture}\nSection: ${Section}\n"
             "Depends: ${Depends}\nRecommends: ${Recommends}\nConffiles: ${Conffiles}\n", "rolecall"],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
    )
    version = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    assert fields["Version"] == f"{version}-1"
    assert fields["Architecture"] == subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    assert fields["Section"] == "utils"
    assert fields["Conffiles"] == "", "nothing is a conffile: dpkg -r must remove everything"
    assert "gnome-keyring" in fields["Recommends"]
    # Every file is as packaged (the md5sums the package carries).
    r = subprocess.run(["dpkg", "--verify", "rolecall"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
    assert Path("/var/lib/dpkg/info/rolecall.md5sums").read_text().count("\n") == len(
        [m for m in members().values() if m.isfile()]
    )


def test_installed_depends_on_what_the_binary_links_and_nothing_more():
    depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", "rolecall"], capture_output=True, text=True, check=True).stdout
    named = {re.sub(r"\s*\(.*\)", "", alt).strip() for part in depends.split(",") for alt in part.split("|")}
    # The packages that hold the libraries the dynamic linker loads for it.
    libs = re.findall(r"=> (\S+) \(", subprocess.run(["ldd", BINARY], capture_output=True, text=True, check=True).stdout)
    owners = set()
    for lib in libs:
        for candidate in {lib, os.path.realpath(lib), lib.replace("/lib/", "/usr/lib/", 1)}:
            r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if r.returncode == 0:
                owners.add(r.stdout.split(":")[0])
                break
        else:
            pytest.fail(f"no package owns {lib}")
    assert named == owners, f"Depends: {depends}; the binary loads {libs} from {owners}"
    assert not any("ssl" in n or "keyring" in n or "dbus" in n for n in named), depends


def test_installed_every_file_it_placed_with_modes_and_owner():
    packaged = members()
    listed = {line for line in (WORK / "listed").read_text().splitlines() if line not in ("/.", "")}
    assert listed == set(packaged), "dpkg -L and the package's contents differ"
    files = {p for p, m in packaged.items() if not m.isdir()}
    expected = {BINARY, SHARED, *MANIFESTS, *DOCS, *extension_files()}
    assert files == expected, f"unexpected: {sorted(files - expected)}; missing: {sorted(expected - files)}"
    for path, m in packaged.items():
        st = os.lstat(path)
        assert st.st_uid == 0 and st.st_gid == 0, f"{path} is not root's"
        if m.isdir():
            assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755, path
        elif m.issym():
            assert stat.S_ISLNK(st.st_mode) and os.readlink(path) == m.linkname, path
        else:
            want = 0o755 if path == BINARY else 0o644
            assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == want, f"{path}: {oct(st.st_mode)}"


def test_installed_manifests_name_the_binary_and_allow_only_our_extension():
    for path, allow in MANIFESTS.items():
        m = json.loads(Path(path).read_text())
        assert isinstance(m.pop("description"), str)
        assert m == {"name": HOST, "path": BINARY, "type": "stdio", **allow}, path
        if path.startswith("/etc/"):
            assert os.readlink(path) == SHARED, path
        else:
            assert not os.path.islink(path), path
    assert os.access(BINARY, os.X_OK)


def test_installed_extension_readme_and_licences_are_the_built_ones():
    for path, source in extension_files().items():
        assert Path(path).read_bytes() == source.read_bytes(), path
    assert gzip.decompress(Path("/usr/share/doc/rolecall/README.md.gz").read_bytes()) == (REPO / "README.md").read_bytes()
    for name in USER_DOCS:
        packed = Path(f"/usr/share/doc/rolecall/docs/{name}.gz").read_bytes()
        assert gzip.decompress(packed) == (REPO / "docs" / name).read_bytes(), name
    # README's picture of the popup, as it is (a PNG is compressed already).
    assert Path("/usr/share/doc/rolecall/docs/popup.png").read_bytes() == (REPO / "docs" / "popup.png").read_bytes()
    for name in ("LICENSE-MIT", "LICENSE-APACHE"):
        assert Path(f"/usr/share/doc/rolecall/{name}").read_bytes() == (REPO / name).read_bytes()
    assert "MIT OR Apache-2.0" in Path("/usr/share/doc/rolecall/copyright").read_text()


def user_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLECALL_")}
    return dict(env, HOME=str(home), ROLECALL_CONFIG_DIR=str(home / "config"))


def test_installed_a_user_install_says_the_package_registered_it_and_writes_nothing(tmp_path):
    home = tmp_path / "home"
    (home / ".mozilla").mkdir(parents=True)
    (home / ".config" / "chromium").mkdir(parents=True)
    r = subprocess.run([BINARY, "install"], env=user_env(home), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for browser, path in (("Firefox", next(iter(MANIFESTS))), ("Chromium", f"/etc/chromium/native-messaging-hosts/{HOST}.json")):
        assert f"{browser}: registered for every user by {path}, which starts this binary" in r.stdout, r.stdout
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == [".config", ".config/chromium", ".mozilla"]


def test_installed_doctor_reports_the_system_wide_manifests(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # No network here: point the endpoint checks at a closed port so they fail fast.
    env = dict(user_env(home), AWS_ENDPOINT_URL_STS="http://127.0.0.1:9/", ROLECALL_SIGNIN_URL="http://127.0.0.1:9/federation")
    r = subprocess.run([BINARY, "doctor"], env=env, capture_output=True, text=True, timeout=120)
    ok = [line for line in r.stdout.splitlines() if line.startswith("OK ")]
    for browser, path in (("Firefox", next(iter(MANIFESTS))), ("Google Chrome", f"/etc/opt/chrome/native-messaging-hosts/{HOST}.json"),
                          ("Chromium", f"/etc/chromium/native-messaging-hosts/{HOST}.json"), ("Microsoft Edge", f"/etc/opt/edge/native-messaging-hosts/{HOST}.json"),
                          ("Brave", f"/etc/opt/chrome/native-messaging-hosts/{HOST}.json")):
        assert f"OK    {browser} manifest {path} (system-wide)" in ok, r.stdout
    assert "manifest" not in "\n".join(line for line in r.stdout.splitlines() if line.startswith("FAIL"))


# ---------- removed ----------


def test_removed_and_nothing_of_it_is_left():
    assert "installed" not in dpkg_status().split(), dpkg_status()
    before = json.loads((WORK / "dirs-before.json").read_text())
    for path, m in members().items():
        if m.isdir():
            was = before[path]
            if not was["here"]:
                assert not os.path.lexists(path), f"{path}: left behind"
            elif not was["adoptable"]:
                assert os.path.isdir(path), f"{path}: removed, but it was here before"
        else:
            assert not os.path.lexists(path), f"{path} is left"
    for path in (WORK / "listed").read_text().splitlines():
        if path and path != "/." and path not in before:
            assert not os.path.lexists(path), f"{path} (dpkg -L) is left"
