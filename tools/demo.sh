#!/usr/bin/env bash
# The project demo: synthetic MA-52 -> train tiny PCAN -> test --dump ->
# eval_ma52/eval_test.py -> submission.zip, the metrics, then the training
# curves and the val confusion matrices as PNGs in work_dirs/demo/.
#   bash tools/demo.sh .venv/bin/python
set -euo pipefail
PY=${1:-python}
CONFIG=configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py
DATA=data/synthetic/ma52
WORK=work_dirs/demo
# Small convolutions: one thread each is much faster than oversubscribed OpenMP.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

# The epoch N of a checkpoint named ..._epoch_N.pth.
checkpoint_epoch() {
    local name
    name=$(basename "$1" .pth)
    echo "${name##*_epoch_}"
}

# The main MA-52 val metrics logged for epoch $2 in the logs of work dir $1.
val_metrics() {
    grep -hE "Epoch\(val\) +\[$2\]\[.*ma52/" "$1"/*/*.log | tail -n 1 \
        | grep -oE "ma52/[A-Za-z0-9_:]+: [0-9.]+" \
        | grep -E "F1_mean|action_top1|action_top5|body_top1|F1_macro" || true
}

# Sourced (tests): define the helpers only.
[[ "${BASH_SOURCE[0]}" != "$0" ]] && return 0

echo "== 1/5 synthetic MA-52 -> $DATA"
rm -rf "$DATA" "$WORK"
"$PY" tools/data/make_synthetic.py ma52 --out "$DATA" --seed 0

echo "== 2/5 train $CONFIG"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK"

echo "== 3/5 test on the (hidden-label) test split, dump scores"
CKPT=$(ls "$WORK"/best_*.pth | head -n 1)
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" --dump "$WORK/result.pkl"

echo "== 4/5 submission (+ score against the synthetic hidden labels)"
"$PY" eval_ma52/eval_test.py --dump "$WORK/result.pkl" \
    --test-list "$DATA/annotations/test_list_videos.txt" \
    --csv "$WORK/prediction.csv" --zip "$WORK/submission.zip" \
    --gt "$DATA/annotations/test_list_videos_gt.txt"
EPOCH=$(checkpoint_epoch "$CKPT")
echo "val metrics of the tested checkpoint $(basename "$CKPT") (epoch $EPOCH):"
val_metrics "$WORK" "$EPOCH"

echo "== 5/5 plots: training curves, val confusion matrices (action + body)"
"$PY" tools/analysis/plot_curves.py "$WORK" --keys loss ma52/F1_mean ma52/action_top1
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" --dump "$WORK/val.pkl" \
    --cfg-options test_dataloader.dataset.ann_file="$DATA/MA-52_openpose_28kp/MA52_val.pkl" \
    test_dataloader.dataset.list_file=None > /dev/null
"$PY" tools/analysis/confusion_matrix.py "$WORK/val.pkl" --ma52
