#!/usr/bin/env bash
# Installs the .deb into a fresh root with dpkg and runs it where no Swift toolchain can be seen:
# a private mount namespace with an empty tmpfs over /opt/swift, PATH without it, no LD_LIBRARY_PATH.
# Checks `gatehouse --version`, `serve`, `call system.ping`, the man page, the completions and the
# systemd user unit (systemd-analyze verify).
#
#   scripts/package-test.sh [DEB]     # default: builds it with scripts/package.sh
#
# A Debian root made with debootstrap would be cleaner, but debootstrap downloads the base system,
# which the project's machines cannot; the shared libraries come from the host, as Depends says.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(scripts/package.sh | tail -1)}
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
work=$(mktemp -d /tmp/gatehouse-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package-test: $*" >&2; exit 1; }

root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
# --force-depends: the fresh root has no libc or libcurl of its own; they are checked on the host below.
dpkg --root="$root" --force-depends -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
dpkg --root="$root" -s gatehouse | grep -q '^Status: install ok installed' || fail "dpkg does not list gatehouse as installed"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for required in libcurl libsqlite3; do grep -q "$required" <<<"$depends" || fail "Depends names no $required"; done
for package in $(tr ',' '\n' <<<"$depends" | sed 's/(.*//; s/|.*//' | tr -d ' '); do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || fail "dependency $package is not installed on this host"
done
for file in usr/bin/gatehouse usr/lib/gatehouse/gatehouse usr/share/man/man1/gatehouse.1.gz usr/lib/systemd/user/gatehouse.service \
    usr/share/bash-completion/completions/gatehouse usr/share/zsh/vendor-completions/_gatehouse \
    usr/share/fish/vendor_completions.d/gatehouse.fish usr/share/doc/gatehouse/examples/config.yaml usr/share/doc/gatehouse/README.md; do
    [ -s "$root/$file" ] || fail "the package installs no $file"
done
zcat "$root/usr/share/man/man1/gatehouse.1.gz" | grep -qE '^\.(TH|Dt) ' || fail "the man page has no title (.TH or mdoc .Dt)"
grep -q 'gatehouse' "$root/usr/share/bash-completion/completions/gatehouse" || fail "the bash completion does not name gatehouse"

# The unit, pointed at the installed binary (systemd-analyze checks that ExecStart exists and is executable).
if command -v systemd-analyze >/dev/null; then
    sed "s|/usr/bin/gatehouse|$root/usr/bin/gatehouse|" "$root/usr/lib/systemd/user/gatehouse.service" >"$work/gatehouse.service"
    mkdir -m 700 "$work/xdg"
    XDG_RUNTIME_DIR=$work/xdg systemd-analyze verify --user "$work/gatehouse.service" >"$work/verify.out" 2>&1 || true
    # It also runs `man` for Documentation=; only the unit's own problems count.
    grep -v "man gatehouse(1)\|Command 'man " "$work/verify.out" >"$work/verify.log" || true
    [ ! -s "$work/verify.log" ] || { cat "$work/verify.log" >&2; fail "systemd-analyze verify found problems in gatehouse.service"; }
fi

# Run it with the toolchain out of sight.
cat >"$work/run.sh" <<'EOF'
set -eu
mount -t tmpfs -o ro,size=1k none "$TOOLCHAIN"
[ -z "$(ls -A "$TOOLCHAIN")" ] || { echo "the toolchain is still visible" >&2; exit 1; }
! command -v swift >/dev/null || { echo "swift is still on PATH" >&2; exit 1; }
export XDG_RUNTIME_DIR=$WORK/run XDG_STATE_HOME=$WORK/state HOME=$WORK/home
mkdir -p "$XDG_RUNTIME_DIR" "$HOME" && chmod 700 "$XDG_RUNTIME_DIR"
gatehouse --version
gatehouse serve >"$WORK/daemon.log" 2>&1 &
daemon=$!
tries=0
until gatehouse call system.ping >"$WORK/ping.json" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$daemon" 2>/dev/null; then cat "$WORK/daemon.log" >&2; exit 1; fi
    sleep 0.1
done
echo "system.ping: $(cat "$WORK/ping.json")"
grep -q '"pong"' "$WORK/ping.json"
# The full CLI behind the front answers too (a command the front hands over).
gatehouse status | grep -q 'running'
kill -TERM "$daemon"
wait "$daemon"
EOF
env -i PATH="$root/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin" TOOLCHAIN="$toolchain" WORK="$work" \
    unshare --mount --propagation private sh "$work/run.sh" || fail "the installed gatehouse did not run without the toolchain"
echo "package-test: $(basename "$deb") installs and runs without the Swift toolchain"
