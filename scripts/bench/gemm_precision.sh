#!/usr/bin/env bash
# GEMM speed and accuracy by precision, for the issue "Mixed precision on the CPU: bf16 and int8":
# OpenBLAS fp32 (the engine today) vs oneDNN fp32, bf16 and int8 on the encoder's products
# (xlm-roberta-large: M = 384 and 3072 rows, K×N = 1024×1024, 1024×4096, 4096×1024, C = A·Wᵀ).
# Prints median/min ms, GFLOP/s, the speed-up over OpenBLAS fp32 and each result's relative error.
#
#   scripts/bench/gemm_precision.sh [runs] [max-rows]
# runs defaults to 15; max-rows 384 skips the batch-8 shapes. THREADS (default 2) sets
# OMP_NUM_THREADS for oneDNN unless the environment already sets it; OPENBLAS_CORETYPE is left as found.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-15}
MAX_ROWS=${2:-3072}

APT_PACKAGES=(libdnnl-dev libopenblas-dev pkg-config)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gemm_precision: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BIN="$WORK/gemm_precision"
# -fopenmp: the quantize/dequantize loops share libgomp's thread pool with oneDNN (Debian builds it
# with the OpenMP runtime), so the two never oversubscribe the cores.
cc -O2 -march=native -fopenmp $(pkg-config --cflags openblas) scripts/bench/gemm_precision.c -o "$BIN" \
  $(pkg-config --libs openblas) -ldnnl -lm

export OMP_NUM_THREADS=${OMP_NUM_THREADS:-${THREADS:-2}}
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), $(nproc) cores, avx512 flags:$(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^avx512_(bf16|vnni)$' | tr '\n' ' ')"
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)}"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# oneDNN's own account of the ISA it dispatches to (its first verbose lines), from a quick batch-1 pass.
ONEDNN_VERBOSE=1 "$BIN" 1 384 | grep '^onednn_verbose,info' | head -n 4 || true
"$BIN" "$RUNS" "$MAX_ROWS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
