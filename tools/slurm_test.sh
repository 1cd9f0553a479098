#!/usr/bin/env bash
# Usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#        tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
USAGE="usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5] tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]"
source "$(dirname "$0")/launch_checks.sh"
require_args "PARTITION JOB_NAME CONFIG CHECKPOINT" "$@"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
GPUS=${GPUS-8}
GPUS_PER_NODE=${GPUS_PER_NODE-8}
CPUS_PER_TASK=${CPUS_PER_TASK-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PY_ARGS=${@:5}
require_count GPUS "$GPUS"
require_count GPUS_PER_NODE "$GPUS_PER_NODE"
require_count CPUS_PER_TASK "$CPUS_PER_TASK"
set -x
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

PYTHONPATH="$ROOT":$PYTHONPATH \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u "$ROOT/tools/test.py" "${CONFIG}" "${CHECKPOINT}" --launcher=slurm ${PY_ARGS}
