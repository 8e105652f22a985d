#!/usr/bin/env bash
# The GPU checks in one go, on a machine with an NVIDIA GPU, CuPy and PyTorch (CUDA) installed:
#   1. the GPU test suite, `pytest -m gpu` (GPU results against CPU results, docs/gpu.md);
#   2. benchmarks/gpu_vs_torch.py (minicnn on CuPy against PyTorch + cuDNN, with a profile).
# Everything is written to $OUT if set (the device runner's folder), else benchmarks/results/gpu-<date>:
# nvidia-smi.txt, versions.txt, pytest-gpu.txt (+ .xml), gpu_vs_torch.{json,md,log}.
# Usage: benchmarks/gpu_check.sh [--quick]   (--quick: a small benchmark, to check the setup in a minute)
# Exit status: that of the test suite; 2 without a usable CuPy and GPU (the benchmark's own failure is in its
# log and in summary.txt).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-benchmarks/results/gpu-$(date +%F)}"
mkdir -p "$out"
quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick --batch 32)

nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed: no NVIDIA driver?" | tee -a "$out/nvidia-smi.txt"
python3 - > "$out/versions.txt" 2>&1 <<'EOF'
import importlib, platform
print("python", platform.python_version())
for name in ("numpy", "scipy", "cupy", "torch"):
    try:
        module = importlib.import_module(name)
        print(name, module.__version__)
    except Exception as err:
        print(name, "missing:", err)
try:
    import cupy
    print("gpu", cupy.cuda.runtime.getDeviceProperties(0)["name"].decode(), "cuda runtime",
          cupy.cuda.runtime.runtimeGetVersion(), "driver", cupy.cuda.runtime.driverGetVersion())
except Exception as err:
    print("cupy cannot use a GPU:", err)
EOF
cat "$out/versions.txt"
if ! python3 -c "import cupy; assert cupy.cuda.runtime.getDeviceCount() > 0" 2>/dev/null; then
    echo "no usable CuPy and GPU here: nothing to check (docs/gpu.md says which CuPy wheel to install)" \
        | tee -a "$out/summary.txt"
    exit 2
fi

started=$(date +%s)
timeout 420 python3 -m pytest -m gpu -q -p no:cacheprovider -ra tests/test_gpu.py tests/test_backend.py \
    --junitxml="$out/pytest-gpu.xml" 2>&1 | tee "$out/pytest-gpu.txt"
tests=${PIPESTATUS[0]}
echo "pytest -m gpu: exit $tests after $(( $(date +%s) - started )) s" | tee -a "$out/summary.txt"

started=$(date +%s)
timeout 300 python3 benchmarks/gpu_vs_torch.py --out "$out" "${quick[@]}" > "$out/gpu_vs_torch.log" 2>&1
bench=$?
tail -n 60 "$out/gpu_vs_torch.log"
echo "gpu_vs_torch.py: exit $bench after $(( $(date +%s) - started )) s" | tee -a "$out/summary.txt"
exit "$tests"
