#!/usr/bin/env bash
# Builds rolecall's release artefacts from ONE release build of the binary, into target/dist/:
#
#   rolecall-<version>-<target>.tar.gz   the binary, both extension packages, README and the user docs, licences
#                                        (ours, and THIRD-PARTY-LICENSES.md)
#                                        (.zip for Windows targets)
#   rolecall_<version>-1_<arch>.deb      --deb (Debian/Ubuntu): the same binary as
#                                        /usr/bin/rolecall, the system-wide native-messaging
#                                        manifests, the extension, README and licences
#   SHA256SUMS                           of every artefact above
#
#   bash packaging/release.sh [--deb] [--target TRIPLE] [--binary PATH]
#   bash packaging/release.sh --install-tools     # only install the pinned cargo-deb
#
# --target builds for another target triple (default: this machine's); --binary packages a
# binary built elsewhere instead of building one (the macOS universal binary made by
# `lipo`). The packaged binary must run here: it stages its own manifests and is checked
# with --version. Needs a Rust toolchain and Node.js; --deb also needs dpkg-deb and
# dpkg-shlibdeps (Debian's dpkg-dev). tests/package.sh checks what this builds;
# .github/workflows/release.yml runs it on tags for every platform.
set -euo pipefail
# The docs a user of the binary reads (README links to them); the archive and the package
# carry them beside README.
USER_DOCS=(docs/INSTALL.md docs/CLI.md docs/CONFIGURATION.md docs/BROWSER.md docs/TROUBLESHOOTING.md docs/SECURITY.md docs/popup.png)
cd "$(dirname "$0")/.."
REPO=$PWD

# cargo-deb is pinned like every other tool of the build (tests/fuzz.sh pins cargo-fuzz), and
# installed under the project (target/tools), never into ~/.cargo/bin.
CARGO_DEB_VERSION=3.8.0
TOOLS=$REPO/target/tools
export PATH="$TOOLS/bin:$PATH"

deb=false
target=""
binary=""
install_tools=false
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb=true ;;
    --target) target=$2; shift ;;
    --binary) binary=$2; shift ;;
    --install-tools) install_tools=true ;;
    *) echo "release.sh: unknown argument $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift
done

install_cargo_deb() {
  if ! cargo deb --version 2>/dev/null | grep -qF " $CARGO_DEB_VERSION"; then
    # A debug build of the tool: well under half the compile time of a release one; it only
    # lays out files (dpkg-deb below packs the final .deb).
    echo "installing cargo-deb $CARGO_DEB_VERSION into $TOOLS (cargo install --debug from crates.io; about a minute, once per checkout)"
    cargo install --quiet --locked --debug --root "$TOOLS" cargo-deb --version "$CARGO_DEB_VERSION"
  fi
}
if $install_tools; then install_cargo_deb; exit 0; fi

step() { printf '\n--- %s\n' "$*"; }
elapsed() { echo "$(($(date +%s) - $1)) s"; }
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }

host=$(rustc -vV | sed -n 's/^host: //p')
target=${target:-$host}
version=$(cargo pkgid -p rolecall)
version=${version##*[#@]}
case "$target" in *windows*) exe=.exe ;; *) exe="" ;; esac
dist=$REPO/target/dist
# Dates inside the archives: the last commit's, so a rebuild of the same commit matches. Set
# for the packing only: some build scripts rerun when it changes, and a new commit would then
# cost a whole release build.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

if [ -z "$binary" ]; then
  step "cargo build --release ($target)"
  start=$(date +%s)
  if [ "$target" = "$host" ]; then
    cargo build --release --locked -p rolecall
    binary=target/release/rolecall$exe
  else
    cargo build --release --locked -p rolecall --target "$target"
    binary=target/$target/release/rolecall$exe
  fi
  echo "release build: $(elapsed "$start")"
fi
[ -x "$binary" ] || { echo "release.sh: no executable at $binary" >&2; exit 1; }
"$binary" --version | grep -qF "rolecall $version " || {
  echo "release.sh: $binary is not rolecall $version: $("$binary" --version)" >&2; exit 1; }

export SOURCE_DATE_EPOCH=$epoch

step "extension packages"
node extension/build.mjs

rm -rf "$dist"
mkdir -p "$dist"
name=rolecall-$version-$target
stage=$REPO/target/package/$name
rm -rf "$stage"
mkdir -p "$stage"
cp "$binary" "$stage/rolecall$exe"
cp extension/dist/rolecall-firefox.xpi extension/dist/rolecall-chromium.zip \
  README.md LICENSE-MIT LICENSE-APACHE "$stage/"
# The user's docs that README links to, at the same relative paths, so its links work offline.
mkdir -p "$stage/docs"
cp "${USER_DOCS[@]}" "$stage/docs/"
# Every crate and the C code compiled into this binary, with its licence.
python3 packaging/third_party.py --target "$target" >"$stage/THIRD-PARTY-LICENSES.md"

step "archive $name"
case "$target" in
  *windows*)
    # Windows runners have 7-Zip; the layout is the same as the tarball's.
    (cd "$stage/.." && 7z a -tzip -bso0 "$dist/$name.zip" "$name")
    ;;
  *)
    if tar --version 2>/dev/null | grep -q 'GNU tar'; then
      # Same bytes from the same commit: sorted names, fixed owner and dates, no gzip name.
      tar -C "$stage/.." --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
    else
      tar -C "$stage/.." -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
    fi
    ;;
esac

if $deb; then
  step "Debian package"
  start=$(date +%s)
  install_cargo_deb
  # Everything but the binary comes from this folder (the glob asset in
  # native-host/Cargo.toml), laid out as on the installed system. (cargo-deb warns that the
  # glob is not under target/release and "will not be built": it is not meant to be.)
  root=$REPO/target/package/deb-root
  rm -rf "$root"
  # The manifests come from the code that writes them for users (browser/install/), so
  # their folders, contents and allow-lists cannot drift from it.
  "$binary" install --system --root "$root" --binary /usr/bin/rolecall
  # The Chromium family reads /etc. A file the package puts under /etc is a conffile, which
  # `dpkg -r` keeps (only a purge removes it), leaving the browsers a manifest for a binary
  # that is gone. Links are not conffiles: each /etc manifest becomes a link to one file
  # under /usr/share, so removing the package removes them.
  shared=usr/share/rolecall/native-messaging-hosts/chromium/dev.rolecall.host.json
  mkdir -p "$root/$(dirname "$shared")"
  for manifest in $(cd "$root" && find etc -name dev.rolecall.host.json | sort); do
    if [ -e "$root/$shared" ]; then
      cmp -s "$root/$manifest" "$root/$shared" || {
        echo "release.sh: $manifest differs from the other Chromium-family manifests" >&2; exit 1; }
      rm "$root/$manifest"
    else
      mv "$root/$manifest" "$root/$shared"
    fi
    ln -s "/$shared" "$root/$manifest"
  done
  mkdir -p "$root/usr/share/rolecall" "$root/usr/share/doc/rolecall"
  # The unpacked folders are what "Load unpacked" (Chromium) and "Load Temporary Add-on"
  # (Firefox) take; the packages are for installing from file.
  cp -R extension/dist/firefox extension/dist/chromium \
    extension/dist/rolecall-firefox.xpi extension/dist/rolecall-chromium.zip \
    "$root/usr/share/rolecall/"
  gzip -9n <README.md >"$root/usr/share/doc/rolecall/README.md.gz"
  mkdir -p "$root/usr/share/doc/rolecall/docs"
  for doc in "${USER_DOCS[@]}"; do
    case "$doc" in
      *.md) gzip -9n <"$doc" >"$root/usr/share/doc/rolecall/docs/$(basename "$doc").gz" ;;
      *) cp "$doc" "$root/usr/share/doc/rolecall/docs/" ;; # the picture: compressed already
    esac
  done
  cp LICENSE-MIT LICENSE-APACHE "$stage/THIRD-PARTY-LICENSES.md" "$root/usr/share/doc/rolecall/"

  deb_target=()
  if [ "$target" != "$host" ]; then deb_target=(--target "$target"); fi
  cargo deb -p rolecall --no-build --no-strip ${deb_target[@]+"${deb_target[@]}"} --output "$dist/"
  package=$(ls "$dist"/rolecall_*.deb)
  # cargo-deb marks every /etc entry a conffile, links included (cargo-deb 3.8,
  # config.rs add_conf_files, no switch to turn it off); these links are not configuration.
  # Rebuild the package without that list, through dpkg-deb, which also checks it.
  unpacked=$REPO/target/package/deb-unpacked
  rm -rf "$unpacked"
  dpkg-deb -R "$package" "$unpacked"
  if [ -f "$unpacked/DEBIAN/conffiles" ]; then
    grep -v '/native-messaging-hosts/dev\.rolecall\.host\.json$' "$unpacked/DEBIAN/conffiles" \
      >"$unpacked/DEBIAN/conffiles.new" || true
    if [ -s "$unpacked/DEBIAN/conffiles.new" ]; then
      mv "$unpacked/DEBIAN/conffiles.new" "$unpacked/DEBIAN/conffiles"
    else
      rm "$unpacked/DEBIAN/conffiles" "$unpacked/DEBIAN/conffiles.new"
    fi
  fi
  # cargo-deb writes no md5sums; dpkg --verify and debsums read them.
  (cd "$unpacked" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
    xargs md5sum >DEBIAN/md5sums)
  dpkg-deb --root-owner-group -Zxz --build "$unpacked" "$package" >/dev/null
  rm -rf "$unpacked"
  echo "Debian package: $(elapsed "$start")"
fi

step "checksums"
sums=$(cd "$dist" && for f in *; do sha256 "$f"; done)
echo "$sums" >"$dist/SHA256SUMS"
cat "$dist/SHA256SUMS"
ls -l "$dist"
