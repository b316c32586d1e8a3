#!/usr/bin/env bash
# test.sh: builds Octet if needed (scripts/build.sh), then runs the whole test suite with ctest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

"$root/scripts/build.sh"
ctest --test-dir "$root/build" --output-on-failure -j2
