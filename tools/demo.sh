#!/usr/bin/env bash
# The project demo: synthetic MA-52 -> train tiny PCAN -> test --dump ->
# eval_ma52/eval_test.py -> submission.zip, the metrics, then the training
# curves and the val confusion matrices as PNGs in work_dirs/demo/, and last
# tools/infer.py on a real MA-52 clip with MediaPipe poses (the [pose] venv).
#   bash tools/demo.sh .venv/bin/python .venv-pose/bin/python
# DEMO_CLIP=clip.mp4 picks the real clip (default: one of ../shared's).
# Seeded and deterministic: every run prints the same figures. The previous
# run's work dir is kept as work_dirs/demo.previous. The terminal shows what
# matters; each step's whole output (config dump, hook table) is in its
# log file in work_dirs/demo/.
set -euo pipefail
PY=${1:-python}
POSE_PY=${2:-.venv-pose/bin/python}
CONFIG=configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py
DATA=data/synthetic/ma52
WORK=work_dirs/demo
SEED=0
SHARED=${MMACTION2_EXT_SHARED:-../shared}
CLIP=${DEMO_CLIP:-$SHARED/data/upstream/micro-action/ma52_demo/A1_shaking_body__0030_01_0002.mp4}
# Small convolutions: one thread each is much faster than oversubscribed OpenMP.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

# The epoch N of a checkpoint named ..._epoch_N.pth.
checkpoint_epoch() {
    local name
    name=$(basename "$1" .pth)
    echo "${name##*_epoch_}"
}

# The main MA-52 val metrics logged for epoch $2 in the logs of work dir $1,
# as percentages (eval_ma52/eval_test.py's scale).
val_metrics() {
    grep -hE "Epoch\(val\) +\[$2\]\[.*ma52/" "$1"/*/*.log | tail -n 1 \
        | grep -oE "ma52/[A-Za-z0-9_:]+: [0-9.]+" \
        | grep -E "F1_mean|action_top1|action_top5|body_top1|F1_macro" \
        | awk '{ printf "%s %.2f\n", $1, 100 * $2 }' || true
}

# Keep the previous demo run (work dir $1) as $1.previous, and say so.
keep_previous_run() {
    if [[ -e "$1" ]]; then
        rm -rf "$1.previous"
        mv "$1" "$1.previous"
        echo "the previous demo run is kept in $1.previous"
    fi
}

# Shorten mmengine's log lines from standard input to what a person reads:
# each epoch's last train line (its loss) and the val metrics (percent); the
# toolbox's own error/warning lines pass.
summarize() {
    awk '
    /^(error|warning):/ { print; fflush(); next }
    match($0, /Epoch\(train\) +\[[0-9]+\]\[ *[0-9]+\/[0-9]+\]/) {
        split(substr($0, RSTART, RLENGTH), f, /[][\/ ]+/)
        if (f[3] == f[4] && match($0, / loss: [0-9.]+/))
            printf "  epoch %s: train loss %s\n", f[2], substr($0, RSTART + 7, RLENGTH - 7)
        fflush(); next
    }
    /Epoch\(val\) +\[[0-9]+\]\[[0-9]+\/[0-9]+\].*ma52\// {
        match($0, /\[[0-9]+\]/); epoch = substr($0, RSTART + 1, RLENGTH - 2)
        line = "  epoch " epoch " val (val pipeline):"
        while (match($0, /ma52\/(action_top1|F1_mean): [0-9.]+/)) {
            split(substr($0, RSTART, RLENGTH), kv, /: /)
            line = line sprintf(" %s %.2f", substr(kv[1], 6), 100 * kv[2])
            $0 = substr($0, RSTART + RLENGTH)
        }
        print line; fflush()
    }'
}

# Run "$@" with its whole output in log file $1 and a summary on the terminal
# (see summarize); on failure the log's last lines and where the log is.
run_logged() {
    local log=$1 status
    shift
    mkdir -p "$(dirname "$log")"
    set +e
    "$@" 2>&1 | tee "$log" | summarize
    status=${PIPESTATUS[0]}
    set -e
    if (( status != 0 )); then
        tail -n 30 "$log" >&2
        echo "error: $1 failed (exit $status); whole output: $log" >&2
        return "$status"
    fi
}

# Train config $2 with python $1 into work dir $3: seeded and deterministic,
# so that every demo run gives the same figures.
train_demo() {
    run_logged "$3/train.log" "$1" tools/train.py "$2" --work-dir "$3" \
        --seed "$SEED" --deterministic
}

# Why the real-clip step cannot run with clip $1 and python $2 (nothing
# when it can).
infer_skip_reason() {
    if [[ ! -f "$1" ]]; then
        echo "no clip $1 (set DEMO_CLIP=path/to/clip.mp4)"
    elif [[ ! -x "$2" ]]; then
        echo "no $2 with the [pose] extra (make pose-install)"
    fi
}

# tools/infer.py with python $1, config $2, checkpoint $3 on the real clip
# $4, poses by MediaPipe; the overlay video and the json go into dir $5.
infer_real_clip() {
    local reason name
    reason=$(infer_skip_reason "$4" "$1")
    if [[ -n "$reason" ]]; then
        echo "skipped: $reason"
        return 0
    fi
    echo "a model trained on synthetic stick figures does not know real"
    echo "micro-actions: its labels here mean nothing, the point is the chain"
    echo "(video -> MediaPipe poses -> PCAN -> top-5, overlay video)"
    name=$(basename "$4")
    name=${name%.*}
    "$1" tools/infer.py "$2" "$3" "$4" --pose mediapipe \
        --out-json "$5/infer_$name.json" --vis "$5/infer_$name.mp4"
}

# Sourced (tests): define the helpers only.
[[ "${BASH_SOURCE[0]}" != "$0" ]] && return 0

echo "== 1/6 synthetic MA-52 -> $DATA (seed $SEED: the same set every run)"
keep_previous_run "$WORK"
rm -rf "$DATA"
"$PY" tools/data/make_synthetic.py ma52 --out "$DATA" --seed "$SEED"

echo "== 2/6 train $CONFIG (seed $SEED, deterministic; log: $WORK/train.log)"
train_demo "$PY" "$CONFIG" "$WORK"

echo "== 3/6 test on the (hidden-label) test split, dump scores (log: $WORK/test.log)"
CKPT=$(ls "$WORK"/best_*.pth | head -n 1)
run_logged "$WORK/test.log" "$PY" tools/test.py "$CONFIG" "$CKPT" \
    --work-dir "$WORK" --dump "$WORK/result.pkl"

echo "== 4/6 submission; test metrics (%, test pipeline) against the synthetic hidden labels"
"$PY" eval_ma52/eval_test.py --dump "$WORK/result.pkl" \
    --test-list "$DATA/annotations/test_list_videos.txt" \
    --csv "$WORK/prediction.csv" --zip "$WORK/submission.zip" \
    --gt "$DATA/annotations/test_list_videos_gt.txt"
EPOCH=$(checkpoint_epoch "$CKPT")
echo "val metrics (%, val pipeline) of the tested checkpoint $(basename "$CKPT") (epoch $EPOCH):"
val_metrics "$WORK" "$EPOCH"

echo "== 5/6 plots: training curves; val confusion matrices (val videos through the test pipeline)"
"$PY" tools/analysis/plot_curves.py "$WORK" --keys loss ma52/F1_mean ma52/action_top1
run_logged "$WORK/test_val.log" "$PY" tools/test.py "$CONFIG" "$CKPT" \
    --work-dir "$WORK" --dump "$WORK/val.pkl" \
    --cfg-options test_dataloader.dataset.ann_file="$DATA/MA-52_openpose_28kp/MA52_val.pkl" \
    test_dataloader.dataset.list_file=None \
    test_dataloader.dataset.labels_hidden=False
"$PY" tools/analysis/confusion_matrix.py "$WORK/val.pkl" --ma52 --top 5

echo "== 6/6 inference on a real MA-52 clip: $CLIP"
infer_real_clip "$POSE_PY" "$CONFIG" "$CKPT" "$CLIP" "$WORK"
