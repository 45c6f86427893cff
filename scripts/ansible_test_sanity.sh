#!/usr/bin/env bash
# Run `ansible-test sanity` on exactly what ships: the collection tarball that
# `ansible-galaxy collection build` makes from SRC, installed into a throw-away
# $WORK/ansible_collections/changegate/itsm (ansible-test refuses the repo itself: its
# collections/ link makes a loop, and the path must end in ansible_collections/NS/NAME).
#
# The Python cores at the repo root (change_control/, drift/, cmdb_sync/) are a pip package,
# not collection content: galaxy.yml's build_ignore keeps them out of the tarball, so sanity
# never sees them; ruff, mypy --strict and pytest check them instead (`make lint types unit`).
#
# Offline: every sanity test that needs extra tools gets its own venv, created --without-pip,
# and ansible-test would download pip's bootstrap script from ci-files.testing.ansible.com.
# ansible-test uses a copy at ~/.ansible/test/cache/get_pip_24_2.py instead when one exists;
# this script puts scripts/get_pip_offline.py there when nothing is cached (a fresh CI HOME).
#
# Usage: scripts/ansible_test_sanity.sh [--src DIR] [--venv] [--keep] [-- ANSIBLE-TEST ARGS]
#   --src DIR   collection source to build (default: this repo); tests pass a broken copy
#   --venv      ansible-test --venv instead of --local (slower; same result)
#   --keep      keep the work directory and print its path
#   ARGS        extra ansible-test sanity arguments, e.g. -- --test validate-modules
# Env: PYTHON (default .venv/bin/python; must have ansible-core), SANITY_WORK (a work directory
#      to use and keep; default a temporary one, removed unless --keep).
# Exit: ansible-test's status (0 clean, non-zero on any finding), 1 on a setup failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
SRC="$ROOT"
MODE="--local"
KEEP=0
EXTRA=()
while (($#)); do
    case "$1" in
        --src) SRC="$(cd "$2" && pwd)"; shift 2 ;;
        --venv) MODE="--venv"; shift ;;
        --keep) KEEP=1; shift ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "ansible_test_sanity: unknown argument '$1' (see --help)" >&2; exit 1 ;;
    esac
done

PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
# Absolute (the run happens in another directory), without resolving the venv's symlinks.
BIN="$(cd "$(dirname "$PYTHON")" && pwd)"
for tool in ansible-galaxy ansible-test; do
    [[ -x "$BIN/$tool" ]] || {
        echo "ansible_test_sanity: $BIN/$tool not found: install ansible-core there (make venv)" >&2
        exit 1
    }
done

# The pip bootstrap stand-in (a real get-pip copy placed there by hand is left alone).
CACHE="$HOME/.ansible/test/cache"
if [[ ! -s "$CACHE/get_pip_24_2.py" ]]; then
    mkdir -p "$CACHE"
    cp "$HERE/get_pip_offline.py" "$CACHE/get_pip_24_2.py"
fi

if [[ -n "${SANITY_WORK:-}" ]]; then
    WORK="$SANITY_WORK"  # the caller's directory: never removed
    KEEP=1
    mkdir -p "$WORK"
else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/changegate-sanity.XXXXXX")"
fi
cleanup() { if ((KEEP)); then echo "ansible_test_sanity: kept $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

mkdir -p "$WORK/dist"
"$BIN/ansible-galaxy" collection build --force --output-path "$WORK/dist" "$SRC" >/dev/null
TARBALL=("$WORK"/dist/changegate-itsm-*.tar.gz)
# -p DIR installs to DIR/ansible_collections/...; the "not in configured paths" warning is
# expected for a throw-away path.
ANSIBLE_COLLECTIONS_PATH="$WORK" "$BIN/ansible-galaxy" collection install --offline --force \
    -p "$WORK" "${TARBALL[0]}" >/dev/null
COLLECTION="$WORK/ansible_collections/changegate/itsm"

cd "$COLLECTION"
# ansible-test finds its interpreter and tools on PATH; --color no keeps logs readable.
PATH="$BIN:$PATH" "$BIN/ansible-test" sanity "$MODE" --python 3.11 --color no \
    ${EXTRA[@]+"${EXTRA[@]}"}
