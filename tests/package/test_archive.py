"""The release archive packaging/release.sh builds (tests/package.sh archive): its checksums
match, it holds exactly what docs/INSTALL.md says, and it unpacks to a binary that works."""

import hashlib
import io
import json
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lib"))

from host import ADDON_ID, Host  # noqa: E402

DIST = REPO / "target" / "dist"
TARGET = next(
    line.split(": ", 1)[1]
    for line in subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.splitlines()
    if line.startswith("host: ")
)
CONTENTS = {
    "rolecall",
    "rolecall-firefox.xpi",
    "rolecall-chromium.zip",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "THIRD-PARTY-LICENSES.md",
    "docs",
}
# The docs README links to, beside it (packaging/release.sh USER_DOCS).
USER_DOCS = ("INSTALL.md", "CLI.md", "CONFIGURATION.md", "BROWSER.md", "TROUBLESHOOTING.md", "SECURITY.md", "popup.png")


@pytest.fixture(scope="module", autouse=True)
def built():
    """These tests check what packaging/release.sh built: run alone, they say so first rather
    than fail on a missing file."""
    assert (DIST / "SHA256SUMS").is_file(), (
        f"no release artefacts in {DIST}: build them first, or run the whole stage: "
        "bash tests/run package (or: bash tests/package.sh archive)"
    )


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def archive():
    found = sorted(DIST.glob(f"rolecall-*-{TARGET}.tar.gz"))
    assert len(found) == 1, f"one archive for {TARGET} in {DIST}: {found}"
    return found[0]


@pytest.fixture(scope="module")
def version(archive):
    return archive.name[len("rolecall-") : -len(f"-{TARGET}.tar.gz")]


@pytest.fixture(scope="module")
def unpacked(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    return out


def test_the_checksums_cover_every_artefact_and_match():
    lines = (DIST / "SHA256SUMS").read_text().splitlines()
    sums = {}
    for line in lines:
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    assert set(sums) == {p.name for p in DIST.iterdir() if p.name != "SHA256SUMS"}
    for name, digest in sums.items():
        assert sha256(DIST / name) == digest, name
    # sha256sum agrees (the command README tells users to run).
    r = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=DIST, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_archive_holds_one_folder_with_the_binary_extension_readme_and_licences(archive, version):
    top = f"rolecall-{version}-{TARGET}"
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    names = {m.name for m in members}
    docs = {f"{top}/docs/{n}" for n in USER_DOCS}
    assert names == {top} | {f"{top}/{n}" for n in CONTENTS} | docs, names
    for m in members:
        assert m.uid == 0 and m.gid == 0, f"{m.name}: owned by {m.uid}:{m.gid}"
        if m.name in (top, f"{top}/docs"):
            assert m.isdir() and not m.mode & 0o022, f"{m.name}: {oct(m.mode)}"
        elif m.name.endswith("/rolecall"):
            assert m.isfile() and stat.S_IMODE(m.mode) == 0o755, oct(m.mode)
        else:
            assert m.isfile() and not m.mode & 0o022, f"{m.name}: {oct(m.mode)}"


def test_the_binary_reports_its_version_and_protocol(unpacked, version):
    binary = next(unpacked.iterdir()) / "rolecall"
    r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"rolecall {version} (protocol "), r.stdout


def test_the_binary_answers_host_info_over_a_frame(unpacked, version, tmp_path):
    binary = next(unpacked.iterdir()) / "rolecall"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ROLECALL_CONFIG_DIR": str(tmp_path / "config"),
        "ROLECALL_DATA_DIR": str(tmp_path / "data"),
    }
    # Started as Firefox starts a host: the manifest's path and the add-on id.
    host = Host(env, args=[str(binary), str(tmp_path / "dev.rolecall.host.json"), ADDON_ID])
    reply = host.call("host.info")
    info = reply["result"]
    assert info["name"] == "rolecall" and info["version"] == version
    protocol = int(subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split("protocol ")[1].rstrip(")\n"))
    assert info["protocol"] == protocol
    assert info["config_path"] == str(tmp_path / "config" / "config.toml")
    assert host.close() == 0


def test_the_extension_packages_are_the_built_ones(unpacked):
    folder = next(unpacked.iterdir())
    for package, browser in (("rolecall-firefox.xpi", "firefox"), ("rolecall-chromium.zip", "chromium")):
        data = (folder / package).read_bytes()
        assert data == (REPO / "extension" / "dist" / package).read_bytes(), package
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            manifest = json.loads(z.read("manifest.json"))
            assert z.read("manifest.json") == (REPO / "extension" / "dist" / browser / "manifest.json").read_bytes()
        if browser == "firefox":
            assert manifest["browser_specific_settings"]["gecko"]["id"] == ADDON_ID
        else:
            assert "key" in manifest, "the key fixes the id the host manifests allow"
    for name in ("README.md", "LICENSE-MIT", "LICENSE-APACHE"):
        assert (folder / name).read_bytes() == (REPO / name).read_bytes(), name
    assert sorted(p.name for p in (folder / "docs").iterdir()) == sorted(USER_DOCS)
    for name in USER_DOCS:
        assert (folder / "docs" / name).read_bytes() == (REPO / "docs" / name).read_bytes(), name
    # Every docs/ file README links to travels with it.
    import re

    linked = set(re.findall(r"\]\(docs/([A-Za-z_]+\.(?:md|png))", (REPO / "README.md").read_text()))
    missing = linked - set(USER_DOCS) - {"PROTOCOL.md", "DESIGN.md", "BENCHMARKS.md", "FUZZING.md"}
    assert not missing, f"README links to docs the archive lacks: {missing}"


def test_the_debian_package_carries_the_same_binary(unpacked, tmp_path):
    debs = sorted(DIST.glob("rolecall_*.deb"))
    if not debs:
        pytest.skip("no .deb built here (packaging/release.sh --deb needs dpkg-deb and dpkg-shlibdeps)")
    [deb] = debs
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        packaged = tar.extractfile("./usr/bin/rolecall").read()
    assert hashlib.sha256(packaged).hexdigest() == sha256(next(unpacked.iterdir()) / "rolecall"), (
        "the .deb and the archive must carry the one release build"
    )


def test_third_party_licences_name_every_crate_in_the_binary(unpacked):
    """THIRD-PARTY-LICENSES.md lists each crate the binary is built from, with a licence,
    and the C library compiled in; `cargo tree` is the independent reading."""
    import re

    text = (next(unpacked.iterdir()) / "THIRD-PARTY-LICENSES.md").read_text()
    rows = dict(re.findall(r"^\| ([a-z0-9_-]+) \| ([^ |]+) \| [^|]*\S[^|]* \|", text, re.M))
    tree = subprocess.run(
        ["cargo", "tree", "--locked", "-p", "rolecall", "-e", "normal", "--prefix", "none", "--no-dedupe"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout
    names = {l.split()[0] for l in tree.splitlines() if l.strip()} - {"rolecall"}
    assert names and names <= set(rows), sorted(names - set(rows))
    for must in ("aws-sdk-sts", "rustls", "ring", "reqwest", "dbus-secret-service"):
        assert must in rows, must
    assert "libdbus" in text and "AFL" in text
