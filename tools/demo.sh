#!/usr/bin/env bash
# The project demo: synthetic MA-52 -> train tiny PCAN -> test --dump ->
# eval_ma52/eval_test.py -> submission.zip, then print the metrics.
#   bash tools/demo.sh .venv/bin/python
set -euo pipefail
PY=${1:-python}
CONFIG=configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py
DATA=data/synthetic/ma52
WORK=work_dirs/demo
# Small convolutions: one thread each is much faster than oversubscribed OpenMP.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

echo "== 1/4 synthetic MA-52 -> $DATA"
rm -rf "$DATA" "$WORK"
"$PY" tools/data/make_synthetic.py ma52 --out "$DATA" --seed 0

echo "== 2/4 train $CONFIG"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK"

echo "== 3/4 test on the (hidden-label) test split, dump scores"
CKPT=$(ls "$WORK"/best_*.pth | head -n 1)
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" --dump "$WORK/result.pkl"

echo "== 4/4 submission (+ score against the synthetic hidden labels)"
"$PY" eval_ma52/eval_test.py --dump "$WORK/result.pkl" \
    --test-list "$DATA/annotations/test_list_videos.txt" \
    --csv "$WORK/prediction.csv" --zip "$WORK/submission.zip" \
    --gt "$DATA/annotations/test_list_videos_gt.txt"
echo "val metrics of the best checkpoint:"
grep -h "Epoch(val)" "$WORK"/*/*.log | tail -n 1 | grep -oE "ma52/[A-Za-z0-9_:]+: [0-9.]+" \
    | grep -E "F1_mean|action_top1|action_top5|body_top1|F1_macro" || true
