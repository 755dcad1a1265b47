#!/usr/bin/env bash
# Builds gpu/ with nvcc, runs the layout tests (including the CPU-vs-CUDA
# agreement test) and the CUDA benchmark. For a machine with a GPU; needs
# cmake, ninja and nvcc; finishes within about 5 minutes.
set -u
cd "$(dirname "$0")/.."
build=${AV_GPU_CHECK_BUILD:-build-gpu-check}
jobs=$(nproc 2>/dev/null || echo 4)
status=0

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
  --format=csv,noheader 2>&1 || echo "nvidia-smi not available"
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
"$nvcc" --version 2>&1 | tail -1

echo "== build ($build)"
mkdir -p "$build"
start=$(date +%s)
if ! timeout 180 cmake -S gpu -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DAV_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" >"$build/configure.log" 2>&1
then
  tail -30 "$build/configure.log"
  echo "configure failed"
  exit 1
fi
if ! timeout 240 cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1
then
  tail -40 "$build/build.log"
  echo "build failed"
  exit 1
fi
tail -3 "$build/build.log"
echo "built in $(( $(date +%s) - start )) s"

echo "== tests"
for t in test_agreement test_engine test_quality test_formation; do
  echo "-- $t"
  timeout 120 "./$build/$t"
  rc=$?
  echo "exit code $rc"
  # 77: skipped for want of a CUDA device.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then status=1; fi
done

echo "== benchmark (CUDA, plus CPU rows on this machine's cores)"
timeout 150 "./$build/av_bench_physics" --no-d3 \
  --cpu-sizes=10000,100000 --gpu-sizes=100000,1000000 "$@" || status=1
for k in 1 2 4; do
  echo "== benchmark (CUDA all-pairs forced to $k node(s) per thread)"
  AV_LAYOUT_CUDA_NODES_PER_THREAD=$k timeout 60 "./$build/av_bench_physics" \
    --no-d3 --no-cpu --gpu-sizes=100000,200000 "$@" || status=1
done
echo "== benchmark (CUDA grid approximation below its default range)"
timeout 60 "./$build/av_bench_physics" --no-d3 --no-cpu --exact-limit=0 \
  --gpu-sizes=100000,200000 "$@" || status=1

echo "== done, status $status"
exit $status
