#!/usr/bin/env bash
# CUDA check of every method (issue #16; how to run it: benchmarks/CUDA.md).
# Each method's tiny config (synthetic data) through the real tools: 2 epochs,
# test --dump, --resume from epoch 1 against the straight run, --amp, and
# tools/dist_train.sh CONFIG 1 (torchrun) against the plain run; the CUDA
# heatmap tests; the full-size models' train steps (time, peak memory, ratio
# to stock). Prints one PASS/FAIL/SKIP line per step and keeps going; the
# step table and figures go to benchmarks/cuda_report.py at the end.
#
# Usage: bash benchmarks/cuda_smoke.sh [--rehearse] [python]
#   --rehearse: the same steps on the CPU with the smallest settings, to find
#   script bugs before GPU time is spent; AMP is skipped (CUDA only), the
#   report says REHEARSAL and goes to $WORK, never to benchmarks/results/.
# Env: WORK (default /tmp/cuda_smoke), OUT (copies the report and a tar of
# the logs there), CUDA_SMOKE_BUDGET (s, default 360, rehearsal 3600: steps
# that would start later are skipped, so the report is always written), CUDA_SMOKE_JOBS
# (method chains at once; default 5 on CUDA, 1 when rehearsing),
# CUDA_SMOKE_ONLY (a rerun of part of it: chain names and the groups `tests`
# and `bench`, e.g. "miga bench"; default all).
set -u
REHEARSE=0
if [ "${1:-}" = --rehearse ]; then REHEARSE=1; shift; fi
PY=${1:-python}
cd "$(dirname "$0")/.."
W=${WORK:-/tmp/cuda_smoke}
rm -rf "$W" && mkdir -p "$W/logs" "$W/figures" "$W/tables"
if [ $REHEARSE = 1 ]; then DEV=cpu; JOBS=${CUDA_SMOKE_JOBS:-1}; BUDGET=3600
else DEV=cuda; JOBS=${CUDA_SMOKE_JOBS:-5}; BUDGET=360; fi
BUDGET=${CUDA_SMOKE_BUDGET:-$BUDGET}
# the same tolerance for resume and torchrun: exact on the CPU; on CUDA the
# ops without deterministic kernels (3D pooling backward) may add rounding
ATOL=$([ $DEV = cpu ] && echo 0 || echo 1e-3)
# seconds a step may run: short on CUDA, so that one stuck step still leaves
# the report inside the device call (BUDGET + LONG + the report < 540 s)
if [ $DEV = cpu ]; then LONG=600 SHORT=120; else LONG=120 SHORT=60; fi
export PYTHONUNBUFFERED=1 PYTHON=$PY  # PYTHON: tools/dist_train.sh's python
STEPS=$W/steps.tsv
START=$SECONDS
ONLY=${CUDA_SMOKE_ONLY:-}

wanted() {  # NAME: in CUDA_SMOKE_ONLY, or that is empty
  [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]
}

record() {  # NAME RESULT SECONDS [NOTE]: one line here, one row for the report
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$STEPS"
  echo "$2 $1 (${3}s)${4:+ $4}"
}

step() {  # NAME LIMIT_S CMD...: runs CMD, log in $W/logs/NAME.log
  local name=$1 limit=$2 t0=$SECONDS rc; shift 2
  if (( SECONDS - START > BUDGET )); then
    record "$name" SKIP 0 "started after the ${BUDGET}s budget"; return 1; fi
  timeout -k 10 "$limit" "$@" > "$W/logs/$name.log" 2>&1
  rc=$?
  if [ $rc = 0 ]; then record "$name" PASS $((SECONDS - t0)); return 0; fi
  record "$name" FAIL $((SECONDS - t0)) \
    "exit $rc$([ $rc = 124 ] && echo ", killed at ${limit}s")"
  tail -n 15 "$W/logs/$name.log" | sed "s/^/    [$name] /"
  return 1
}

env_check() {  # the GPU and the stack, before anything else
  $PY - <<EOF
import sys, torch
print('python', sys.version.split()[0], 'torch', torch.__version__,
      'cuda build', torch.version.cuda)
if '$DEV' == 'cuda':
    assert torch.cuda.is_available(), 'torch sees no GPU'
    print(torch.cuda.get_device_name(0))
import mmengine, mmcv, mmaction, mmaction2_ext
print('mmengine', mmengine.__version__, 'mmcv', mmcv.__version__,
      'mmaction', mmaction.__version__)
EOF
}

make_data() {
  $PY tools/data/make_synthetic.py skeleton --layout ntu --out data/synthetic/skeleton &&
  $PY tools/data/make_synthetic.py skeleton --layout coco --out data/synthetic/skeleton &&
  $PY tools/data/make_synthetic.py skeleton --layout imigue --num-classes 4 --samples-per-class 16 4 4 --out data/synthetic/skeleton &&
  $PY tools/data/imigue/class_vectors.py random --num-classes 4 --out data/synthetic/skeleton/imigue_class_vectors.npy &&
  $PY tools/data/make_synthetic.py haan --out data/synthetic/haan &&
  $PY tools/data/make_synthetic.py ma52 --out data/synthetic/ma52
}

method_chain() {  # NAME CONFIG PORT: the tiny config through every tool
  local n=$1 cfg=$2 port=$3 d=$W/$1
  # seeded and --deterministic (mmaction2_ext/compat/determinism.py: warn-only
  # on CUDA); a checkpoint every epoch so epoch_1 is there to resume from
  local args=(--seed 0 --deterministic --cfg-options train_cfg.max_epochs=2
              default_hooks.checkpoint.interval=1
              default_hooks.checkpoint.max_keep_ckpts=-1)
  step "train-$n" $LONG $PY tools/train.py "$cfg" --work-dir "$d/plain" \
    "${args[@]}" || return 1
  step "test-$n" $SHORT $PY tools/test.py "$cfg" "$d/plain/epoch_2.pth" \
    --work-dir "$d/plain" --dump "$d/result.pkl"
  step "resume-$n" $LONG $PY tools/train.py "$cfg" --work-dir "$d/resume" \
    --resume "$d/plain/epoch_1.pth" "${args[@]}" &&
  step "resume-equal-$n" $SHORT $PY benchmarks/cuda_compare.py \
    "$d/plain/epoch_2.pth" "$d/resume/epoch_2.pth" --atol $ATOL \
    --json "$W/figures/resume-$n.json"
  if [ $DEV = cuda ]; then
    step "amp-$n" $LONG $PY tools/train.py "$cfg" --amp --work-dir "$d/amp" \
      "${args[@]}" &&
    step "amp-check-$n" $SHORT $PY benchmarks/cuda_compare.py \
      "$d/plain/epoch_2.pth" "$d/amp/epoch_2.pth" --amp \
      --json "$W/figures/amp-$n.json"
  else
    record "amp-$n" SKIP 0 'AMP needs CUDA (rehearsal)'
  fi
  PORT=$port step "dist-$n" $LONG bash tools/dist_train.sh "$cfg" 1 \
    --work-dir "$d/dist" "${args[@]}" &&
  step "dist-equal-$n" $SHORT $PY benchmarks/cuda_compare.py \
    "$d/plain/epoch_2.pth" "$d/dist/epoch_2.pth" --atol $ATOL \
    --json "$W/figures/dist-$n.json"
  rm -f "$d"/*/*.pth  # keep the logs only
}

cuda_tests() {  # the CUDA heatmap tests; on CUDA none may skip
  $PY -m pytest -q -p no:cacheprovider -rs tests/configs/test_devicehm_configs.py \
    tests/models/data_preprocessors/test_heatmap_preprocessor.py -k cuda
  local rc=$?
  [ $rc = 0 ] || return $rc
  [ $DEV = cpu ] || ! grep -q skipped "$W/logs/pytest-cuda.log"
}

benchmarks() {  # full-size models, alone on the device, after the chains
  # rehearsal: the smallest runs that still go through every line
  local pcan=(4 5) gcn=(16 100 10) haan=(20 3)
  [ $DEV = cpu ] && pcan=(1 1) gcn=(2 20 1) haan=(2 1)
  step bench-pcan-full $LONG $PY benchmarks/pcan_train_step.py --size full \
    --device $DEV --batch ${pcan[0]} --repeats ${pcan[1]} --no-pipeline \
    --out "$W/tables/pcan_train_step_full.md" --json "$W/figures/pcan-full.json"
  step bench-protogcn-ntu60-j $LONG $PY benchmarks/protogcn_speed.py \
    --device $DEV --batch ${gcn[0]} --frames ${gcn[1]} --iters ${gcn[2]} \
    --out "$W/tables/protogcn_speed.md" --json "$W/figures/protogcn-ntu60-j.json"
  # FineGym's full model (encoded 2048), as in results/haan_epoch.md
  step bench-haan-finegym $LONG $PY benchmarks/haan_epoch.py --device $DEV \
    --videos ${haan[0]} --encoded 2048 --repeats ${haan[1]} \
    --json "$W/figures/haan-finegym.json"
  if [ -f benchmarks/infer_latency.py ]; then
    step bench-infer-latency $LONG $PY benchmarks/infer_latency.py --device $DEV
  else
    record bench-infer-latency SKIP 0 'benchmarks/infer_latency.py is not on this branch'
  fi
}

export -f env_check make_data cuda_tests
export PY DEV W
step env 120 bash -c env_check || echo "    (the steps below will fail the same way)"
cat "$W/logs/env.log"
step data $LONG bash -c make_data
CHAINS=(
  "pcan configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py"
  "protogcn configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py"
  "miga configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py"
  "haan configs/haan/haan_1xb4-10e_synthetic-feat.py"
  "devicehm configs/demo/posec3d_tiny_1xb4-u16-2e_synthetic-coco-keypoint-devicehm.py"
)
i=0
for chain in "${CHAINS[@]}"; do
  wanted "${chain%% *}" || continue
  # shellcheck disable=SC2086  # NAME CONFIG, split on purpose
  if [ "$JOBS" -gt 1 ]; then
    # parallel chains share the CPU: a few threads each
    OMP_NUM_THREADS=2 method_chain $chain $((29510 + i)) &
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
  else
    method_chain $chain $((29510 + i))
  fi
  i=$((i + 1))
done
wanted tests && step pytest-cuda $LONG bash -c cuda_tests
wait
wanted bench && benchmarks
echo "total $((SECONDS - START)) s"

REPORT=$W/cuda_rehearsal.md
[ $REHEARSE = 1 ] || REPORT=benchmarks/results/cuda.md
$PY benchmarks/cuda_report.py --work "$W" --out "$REPORT" \
  --seconds $((SECONDS - START)) $([ $REHEARSE = 1 ] && echo --rehearsal)
if [ -n "${OUT:-}" ]; then
  cp "$REPORT" "$OUT/" 2>/dev/null
  tar czf "$OUT/cuda_logs.tar.gz" -C "$W" logs figures tables steps.tsv
fi
! grep -qP '\tFAIL\t' "$STEPS"
