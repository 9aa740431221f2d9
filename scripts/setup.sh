#!/usr/bin/env bash
# Installs the system packages attest needs to build and test, and nothing when they are present.
# Used by `make setup` (and so by `make test`, `make verify-parallel` and .ci/run).
# --with-chromium also installs Chromium, which the report's rendering test drives headless
# (without it that test says it was skipped); .ci/run asks for it.
set -euo pipefail

packages=(libssl-dev libgit2-dev libcurl4-openssl-dev pkg-config openssl util-linux python3 time)
for argument in "$@"; do
    case "$argument" in
        --with-chromium) packages+=(chromium) ;;
        *)
            echo "error: unknown option $argument" >&2
            echo "hint: scripts/setup.sh [--with-chromium]" >&2
            exit 2
            ;;
    esac
done
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
