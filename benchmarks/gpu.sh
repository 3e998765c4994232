#!/usr/bin/env bash
# The checks that need a GPU, in one go: the test cases that run on 'cuda' (cupy), then B2 and the
# other training workloads on the GPU beside PyTorch on cuda, the per-primitive profile of B2
# (GPU_PROFILE="B2 B3" for more, "" for none), then the main job on the GPU (GPU_MAIN_JOB=<seconds>).
#   bash benchmarks/gpu.sh [LOG_FOLDER]        (logs default to the current folder)
set -u
cd "$(dirname "$0")/.."
logs=${1:-.}
export PYTHONPATH=$PWD HYPOTHESIS_PROFILE=ci PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import sys, cupy, numpy; print('python', sys.version.split()[0], 'cupy', cupy.__version__,
'numpy', numpy.__version__, 'GPUs', cupy.cuda.runtime.getDeviceCount())"
per_test=$(python3 -c "import pytest_timeout" 2>/dev/null && echo "--timeout=120")
start=$SECONDS
timeout "${GPU_TEST_SECONDS:-240}" python3 -m pytest -q -rf --tb=short $per_test -k cuda \
  tests/autograd_core tests/keras_facade/test_devices.py >"$logs/gpu_tests.log" 2>&1
echo "tests: exit $? after $((SECONDS - start)) s: $(tail -n 1 "$logs/gpu_tests.log")"
grep -E "^(FAILED|ERROR)" "$logs/gpu_tests.log" | head -n 40
start=$SECONDS
timeout "${GPU_BENCH_SECONDS:-200}" python3 benchmarks/run.py ${GPU_WORKLOADS:-B2 B2e B1 B1e B3 B3e} \
  --device cuda --repeats "${GPU_REPEATS:-1}" | tee "$logs/gpu_bench.jsonl"
echo "benchmarks: $((SECONDS - start)) s"
for wid in ${GPU_PROFILE-B2}; do  # where each workload's GPU time goes, per primitive
  timeout 120 python3 benchmarks/profile_ops.py "$wid" --device cuda --top 15 | tee "$logs/gpu_profile_$wid.jsonl"
done
if [ -n "${GPU_MAIN_JOB:-}" ]; then
  timeout "$GPU_MAIN_JOB" python3 examples/cats_vs_dogs.py --device cuda --out "$logs/cats_vs_dogs" \
    2>&1 | tail -n 15
fi
