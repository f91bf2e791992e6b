#!/usr/bin/env bash
# Builds the release artifact: .build/package/gatehouse_VERSION_ARCH.deb.
#
#   scripts/package.sh            # release build (GATEHOUSE_PACKAGE_CONFIGURATION=debug for a quick check)
#
# The binary links the Swift runtime and Foundation statically (--static-swift-stdlib), so it needs no
# Swift toolchain; libcurl and SQLite stay the system's shared libraries (see docs/install.md for why
# not fully static). The package's Depends are read off the binary: the Debian packages that own the
# shared libraries it loads. Man page and shell completions are generated from the CLI itself.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${GATEHOUSE_PACKAGE_CONFIGURATION:-release}
# A build directory of its own: the static link flags would otherwise rebuild the everyday debug build.
scratch=.build/static
out=.build/package
# One product per invocation: given several --product flags, SwiftPM builds only the last.
for product in gatehouse gatehouse-front; do
    swift build -c "$configuration" --static-swift-stdlib --scratch-path "$scratch" --product "$product" 2>&1 | tail -3
done
bin_dir=$(swift build -c "$configuration" --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)
binary=$bin_dir/gatehouse
front=$bin_dir/gatehouse-front

# No Swift library may be loaded from the toolchain.
for file in "$binary" "$front"; do
    if ldd "$file" | grep -E 'libswift|libFoundation|/opt/swift|not found'; then
        echo "package: $file still needs the libraries above" >&2
        exit 1
    fi
done

# `gatehouse version --json` says {"cli": "0.1.0", "schema": N, "daemon": ...}; the package takes the CLI's.
version=$("$binary" version --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["cli"])')
case "$version" in "" | *[!0-9A-Za-z.+~-]*) echo "package: unusable version '$version' from $binary" >&2; exit 1 ;; esac
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -d -m 755 "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/lib/systemd/user" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
    "$root/usr/share/doc/gatehouse/docs" "$root/usr/share/doc/gatehouse/examples"
# /usr/bin/gatehouse is gatehouse-front: it answers the fast paths (call system.ping, a cached token
# google-executable) itself and execs the full CLI, /usr/lib/gatehouse/gatehouse, for everything else.
install -d -m 755 "$root/usr/lib/gatehouse"
install -m 755 "$binary" "$root/usr/lib/gatehouse/gatehouse"
install -m 755 "$front" "$root/usr/bin/gatehouse"
strip --strip-unneeded "$root/usr/lib/gatehouse/gatehouse" "$root/usr/bin/gatehouse"

# Shell completions, from swift-argument-parser's generator.
"$binary" --generate-completion-script bash >"$root/usr/share/bash-completion/completions/gatehouse"
"$binary" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_gatehouse"
"$binary" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/gatehouse.fish"

# The man page, from swift-argument-parser's generate-manual plugin (it builds its own tool, offline).
# The plugin builds every product first; in debug it reuses the everyday build (a release one would
# compile everything again), and the page is the same.
manual_dir=.build/plugins/GenerateManual/outputs/gatehouse
rm -f "$manual_dir/gatehouse.1"
if swift package plugin generate-manual --configuration debug >"$root/manual.log" 2>&1 && [ -s "$manual_dir/gatehouse.1" ]; then
    cp "$manual_dir/gatehouse.1" "$root/usr/share/man/man1/gatehouse.1"
else
    # Fallback: the top-level help as a minimal page, so `man gatehouse` always answers.
    echo "package: generate-manual failed (tail of its log below); writing a minimal man page from --help" >&2
    tail -5 "$root/manual.log" >&2
    {
        printf '.TH GATEHOUSE 1 "" "gatehouse %s" "User Commands"\n.SH NAME\ngatehouse \\- per-host access broker\n.SH DESCRIPTION\n.nf\n' "$version"
        "$binary" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
        printf '.fi\n'
    } >"$root/usr/share/man/man1/gatehouse.1"
fi
rm -f "$root/manual.log"
gzip -9n "$root/usr/share/man/man1/gatehouse.1"

# The systemd user unit: the same text `gatehouse service install` writes, for the packaged path.
"$binary" service unit --executable /usr/bin/gatehouse >"$root/usr/lib/systemd/user/gatehouse.service"
install -m 644 dist/config.sample.yaml "$root/usr/share/doc/gatehouse/examples/config.yaml"
install -m 644 README.md "$root/usr/share/doc/gatehouse/"
install -m 644 docs/*.md "$root/usr/share/doc/gatehouse/docs/"
printf 'Gatehouse %s\nSee /usr/share/doc/gatehouse/README.md. Built with the Swift runtime and Foundation linked in (Apache-2.0 with Runtime Library Exception).\n' \
    "$version" >"$root/usr/share/doc/gatehouse/copyright"

# Depends: the packages owning the shared libraries the binary itself names (DT_NEEDED: libcurl,
# libsqlite3, libc, libstdc++...); their own dependencies come with them.
depends=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r soname; do
    lib=$(ldd "$binary" | awk -v name="$soname" '$1 == name {print $3}')
    [ -n "$lib" ] || continue
    dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
for required in libcurl libsqlite3; do
    grep -q "$required" <<<"$depends" || { echo "package: no package found for $required in: $depends" >&2; exit 1; }
done
cat >"$root/DEBIAN/control" <<EOF
Package: gatehouse
Version: $version
Architecture: $arch
Maintainer: Gatehouse maintainers <gatehouse@localhost>
Section: admin
Priority: optional
Depends: $depends
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Homepage: file:///usr/share/doc/gatehouse/README.md
Description: per-host access broker for developer workstations
 One daemon per user signs people in with OIDC, keeps short-lived tokens and
 exchanges them for Google credentials, mirrors the Backstage catalog, shows
 Looker dashboards, submits Dataproc jobs through a durable outbox, and writes
 a hash-chained audit record per request. Scripts talk to it with JSON-RPC 2.0
 over a private Unix socket (rpc.discover describes it).
EOF
mkdir -p "$out"
deb="$out/gatehouse_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
