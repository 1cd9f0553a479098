#!/usr/bin/env bash
# Rerun every CPU benchmark and regenerate every table in benchmarks/results/.
# Usage: bash benchmarks/run_all.sh [python]   (REPEATS=5 by default;
# POSE_PY, default .venv-pose/bin/python, runs infer_latency.py, stream_lag.py
# and build_dataset.py; DEPLOY_PY, default .venv-deploy/bin/python, runs
# deploy_latency.py)
# Each table records the load average before/after, the CPU other processes
# took meanwhile, CPU model and threads, and is marked LOADED when those other
# processes kept more than 0.25 cores busy (benchmarks/machine.py): publish
# only unmarked tables, taken on an otherwise idle machine.
# GPU checks stay separate: bash benchmarks/cuda_smoke.sh.
set -eu
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
R=${REPEATS:-5}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) CPUs"
$PY benchmarks/decode_once.py --repeats "$R"
$PY benchmarks/reencode.py --repeats "$R"
$PY benchmarks/pose_pipeline.py --repeats "$R"
$PY benchmarks/devicehm.py --repeats "$R"
$PY benchmarks/heatmap_handover.py --repeats "$R"
$PY benchmarks/pcan_train_step.py --size tiny --repeats "$R"
$PY benchmarks/pcan_train_step.py --size full --repeats "$R"
$PY benchmarks/protogcn_speed.py --iters "$R"
$PY benchmarks/haan_epoch.py --table --repeats "$R"
# inference latency per stage: MediaPipe lives in the [pose] venv
POSE_PY=${POSE_PY:-.venv-pose/bin/python}
if [ -x "$POSE_PY" ]; then
    $POSE_PY benchmarks/infer_latency.py --repeats "$R"
    $POSE_PY benchmarks/stream_lag.py --repeats 3
    $POSE_PY benchmarks/build_dataset.py --repeats "$R"
else
    echo "no $POSE_PY (make pose-install): infer_latency.md without the pose extraction stage, no stream_lag.md"
    $PY benchmarks/infer_latency.py --repeats "$R"
fi
# PyTorch eager vs ONNX Runtime: the [deploy] extra lives in .venv-deploy
DEPLOY_PY=${DEPLOY_PY:-.venv-deploy/bin/python}
if [ -x "$DEPLOY_PY" ]; then
    $DEPLOY_PY benchmarks/deploy_latency.py --repeats "$R"
else
    echo "no $DEPLOY_PY (make deploy-install): deploy_latency.md not rerun"
fi
grep -l LOADED benchmarks/results/*.md | sed 's/^/LOADED (do not publish): /' || true
# copy the idle tables into the docs that quote them (README, docs/, configs/)
$PY benchmarks/publish.py
