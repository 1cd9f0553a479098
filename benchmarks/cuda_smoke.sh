#!/usr/bin/env bash
# CUDA smoke check: every method's small config trains and tests on a GPU with
# tools/train.py / tools/test.py (synthetic data), plus the on-device heatmaps.
# Usage: bash benchmarks/cuda_smoke.sh [python]   (prints a PASS/FAIL line each)
set -u
PY=${1:-python}
W=${WORK:-/tmp/cuda_smoke}
mkdir -p "$W"
status=0
step() {  # step NAME CMD...
  local name=$1; shift
  if "$@" > "$W/$name.log" 2>&1; then echo "PASS $name"; else
    echo "FAIL $name"; tail -n 25 "$W/$name.log"; status=1; fi
}
$PY -c "import torch; assert torch.cuda.is_available(); print(torch.__version__, torch.cuda.get_device_name(0))"
step data-skeleton-ntu $PY tools/data/make_synthetic.py skeleton --layout ntu --out data/synthetic/skeleton
step data-skeleton-coco $PY tools/data/make_synthetic.py skeleton --layout coco --out data/synthetic/skeleton
step data-skeleton-imigue $PY tools/data/make_synthetic.py skeleton --layout imigue --num-classes 4 --samples-per-class 16 4 4 --out data/synthetic/skeleton
step data-haan $PY tools/data/make_synthetic.py haan --out data/synthetic/haan
step data-ma52 $PY tools/data/make_synthetic.py ma52 --out data/synthetic/ma52
run_config() {  # NAME CONFIG EPOCHS
  step "train-$1" $PY tools/train.py "$2" --work-dir "$W/$1" --cfg-options train_cfg.max_epochs=$3
  local ckpt; ckpt=$(cat "$W/$1/last_checkpoint" 2>/dev/null)
  step "test-$1" $PY tools/test.py "$2" "$ckpt" --work-dir "$W/$1" --dump "$W/$1/result.pkl"
  grep -h -o "Epoch(test).*" "$W/test-$1.log" | tail -n 1
}
run_config pcan configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py 2
run_config protogcn configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py 2
run_config miga configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py 2
run_config haan configs/haan/haan_1xb4-10e_synthetic-feat.py 2
run_config devicehm configs/demo/posec3d_tiny_1xb4-u16-2e_synthetic-coco-keypoint-devicehm.py 2
grep -h "device\|cuda" "$W"/train-*.log | grep -i "cuda available\|GPU 0" | head -n 3
exit $status
