#!/usr/bin/env bash
# setup.sh: installs Octet's build and test dependencies on Debian 12 (apt only; safe to rerun).
set -euo pipefail

# OpenMP comes with g++ (libgomp), so no separate OpenMP package is needed.
packages=(
  build-essential
  cmake
  ninja-build
  libgtest-dev
  libgmock-dev
  googletest
  libbenchmark-dev
  nlohmann-json3-dev
  zlib1g-dev
  libonnx-dev
  libprotobuf-dev
  libonnx-testdata
  dataset-fashion-mnist
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all dependencies already installed"
  exit 0
fi

if ((EUID == 0)); then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "${missing[@]}"
