#!/usr/bin/env bash
# device_check.sh: the checks only a host with AVX-512 VNNI and AMX can run (the CPU of a machine
# lent for GPU work), in one call: build, the exactness suites at every ISA level the host has, and
# Octet's int8 kernels timed per ISA level (AMX vs VNNI vs AVX2, same run). Results go to $OUT
# (default: device-results/); the summary is printed.
#
#   OUT=/some/dir scripts/device_check.sh
#
# It needs the build dependencies of scripts/setup.sh; when they are missing and apt cannot reach a
# mirror, it stops after saying so.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$root/device-results}"
mkdir -p "$out"
cd "$root"

"$root/scripts/setup.sh" > "$out/setup.log" 2>&1 || { echo "device_check: setup failed"; tail -20 "$out/setup.log"; exit 1; }
if ! CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$root/scripts/build.sh" -DOCTET_WERROR=ON > "$out/build.log" 2>&1; then
  echo "device_check: build failed"; tail -40 "$out/build.log"; exit 1
fi

build/bin/octet info > "$out/info.txt" 2>&1
echo "== octet info (ISA levels and why any is rejected)"; sed -n '1,40p' "$out/info.txt"

# Exactness: the kernel and operator suites compare every fast path with the ref kernels at each
# ISA cap the host supports (AMX cases skip only where the CPU or the OS refuses AMX).
status=0
for suite in kernels ops qnn quantize; do
  build/tests/octet_${suite}_tests --gtest_brief=1 > "$out/${suite}_tests.txt" 2>&1 || status=1
  echo "== octet_${suite}_tests: $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/${suite}_tests.txt" | tr '\n' ' ')"
done
grep -h -i "amx" "$out"/kernels_tests.txt "$out"/ops_tests.txt | grep -E "OK|FAILED|Skipped" | head -20

# Speed per ISA level on the same shapes as the peer tables (docs/benchmarks.md), 1 and 2 threads.
for isa in amx avx512vnni avx2; do
  OCTET_MAX_ISA=$isa build/bench/bench_quantized_peers_bench \
    --benchmark_min_time=0.2 --benchmark_format=json > "$out/bench_${isa}.json" 2> "$out/bench_${isa}.log" || status=1
done
python3 - "$out" <<'PY' || true
import json, sys, os
out = sys.argv[1]
runs = {}
for isa in ("amx", "avx512vnni", "avx2"):
    with open(os.path.join(out, f"bench_{isa}.json")) as f:
        for b in json.load(f)["benchmarks"]:
            scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
            runs.setdefault(b["name"], {})[isa] = b["real_time"] * scale
print("== int8 time per ISA level (us) and speedups over avx2")
for name, t in runs.items():
    if len(t) == 3:
        print(f"{name:70s} amx {t['amx']:9.1f} vnni {t['avx512vnni']:9.1f} avx2 {t['avx2']:9.1f}"
              f"  amx/avx2 {t['avx2'] / t['amx']:5.2f}x  vnni/avx2 {t['avx2'] / t['avx512vnni']:5.2f}x")
PY
exit $status
