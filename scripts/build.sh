#!/usr/bin/env bash
# build.sh: configures (Release, Ninja) and builds Octet into build/. Extra arguments go to cmake.
#   OCTET_WERROR=ON scripts/build.sh      treat warnings as errors (what CI does)
#   CMAKE_BUILD_PARALLEL_LEVEL=2 ...      limit parallel compile jobs
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"

args=(-S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release)
if [[ -n "${OCTET_WERROR:-}" ]]; then
  args+=("-DOCTET_WERROR=$OCTET_WERROR")
fi

cmake "${args[@]}" "$@"
cmake --build "$build"
