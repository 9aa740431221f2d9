#!/usr/bin/env bash
# Installs the system packages attest needs to build and test, and nothing when they are present.
# Used by `make setup` (and so by `make test`, `make verify-parallel` and .ci/run).
# --with-chromium also installs Chromium, which the report's rendering test drives headless
# (without it that test says it was skipped); .ci/run asks for it.
# --with-interop also makes .venv-interop, a Python virtual environment with securesystemslib and
# in-toto-attestation from PyPI, which the interop test checks bundles with (without it that test
# says it was skipped); .ci/run asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libssl-dev libgit2-dev libcurl4-openssl-dev pkg-config openssl util-linux python3 time)
interop=0
for argument in "$@"; do
    case "$argument" in
        --with-chromium) packages+=(chromium) ;;
        --with-interop) packages+=(python3-venv); interop=1 ;;
        *)
            echo "error: unknown option $argument" >&2
            echo "hint: scripts/setup.sh [--with-chromium] [--with-interop]" >&2
            exit 2
            ;;
    esac
done
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

# The interop test's libraries, from PyPI, in a virtual environment of their own (git-ignored).
make_interop_venv() {
    local venv=.venv-interop
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import securesystemslib, in_toto_attestation' 2>/dev/null; then
        return 0
    fi
    echo "setup: making $venv (securesystemslib[crypto], in-toto-attestation from PyPI)"
    if ! python3 -m venv "$venv"; then
        echo "error: python3 -m venv $venv failed" >&2
        echo "hint: install the venv module (Debian: apt-get install python3-venv), or give python3 one" >&2
        exit 2
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'securesystemslib[crypto]' in-toto-attestation
}

if [ ${#missing[@]} -eq 0 ]; then
    if [ "$interop" -eq 1 ]; then make_interop_venv; fi
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "error: missing system packages: ${missing[*]}" >&2
        echo "hint: install them as root: apt-get install ${missing[*]}" >&2
        exit 2
    fi
    sudo="sudo"
fi

echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
if [ "$interop" -eq 1 ]; then make_interop_venv; fi
