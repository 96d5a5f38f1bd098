#!/usr/bin/env bash
# CI's Ray step: the runner's tests again, with training on a local Ray instance (RUNNER_ADDRESS=ray).
# Run from .ci/run inside its already-active venv, after the main test run.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install -q -r requirements-ray.txt
python -m pip list 2>/dev/null | grep -iE '^(ray|numpy|mxnet) '

export RAY_USAGE_STATS_ENABLED=0   # nothing leaves the machine
RUNNER_ADDRESS=ray python -m pytest tests/test_runner.py -q -k ray  # the local ones already ran
