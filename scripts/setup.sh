#!/usr/bin/env bash
# Installs the system packages attest needs to build and test, and nothing when they are present.
# Used by `make setup` (and so by `make test`, `make verify-parallel` and .ci/run).
set -euo pipefail

packages=(libssl-dev libgit2-dev pkg-config openssl util-linux python3)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
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
