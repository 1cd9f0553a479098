#!/usr/bin/env bash
# The two pictures of docs/inference.md, from project-made synthetic input
# only (no frame of a real dataset is committed):
#   docs/images/inference_overlay.png: frame 24 of tools/infer.py --vis on a
#     synthetic MA-52 clip (320 px, class 24 "shaking legs"), with the PCAN
#     tiny checkpoint of `make demo`;
#   docs/images/inference_haan_timeline.png: tools/infer.py --vis of a tiny
#     HAAN (trained here, seconds) on one synthetic test video's features.
# Run after `make demo`:
#   bash tools/analysis/inference_pictures.sh .venv/bin/python
set -euo pipefail
PY=${1:-.venv/bin/python}
WORK=work_dirs/pictures
IMAGES=docs/images
PCAN=configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py
HAAN=configs/haan/haan_1xb4-10e_synthetic-feat.py
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

CKPT=$(ls work_dirs/demo/best_*.pth 2>/dev/null | head -n 1 || true)
if [[ -z "$CKPT" ]]; then
    echo "error: no work_dirs/demo/best_*.pth: run make demo first" >&2
    exit 1
fi
rm -rf "$WORK"

echo "== overlay: $PCAN ($CKPT) on a synthetic clip"
"$PY" tools/data/make_synthetic.py ma52 --out "$WORK/ma52" --size 320 \
    --samples-per-class 0 1 0
"$PY" tools/infer.py "$PCAN" "$CKPT" "$WORK/ma52/raw_videos/0002_01_0001.mp4" \
    --pose "$WORK/ma52/MA-52_openpose_28kp/MA52_val.pkl" \
    --vis "$WORK/overlay.mp4"
"$PY" tools/analysis/video_frame.py "$WORK/overlay.mp4" \
    "$IMAGES/inference_overlay.png" --frame 24

echo "== HAAN timeline: $HAAN on synthetic features"
# the config's data (data/synthetic/haan), and the same videos (same seed)
# as one feature .npy each, the input tools/infer.py takes
"$PY" tools/data/make_synthetic.py haan
"$PY" tools/data/make_synthetic.py haan --out "$WORK/haan_videos" \
    --per-video-features
"$PY" tools/train.py "$HAAN" --work-dir "$WORK/haan" > "$WORK/haan_train.log"
"$PY" tools/infer.py "$HAAN" "$(ls "$WORK"/haan/best_*.pth | head -n 1)" \
    "$WORK/haan_videos/features/synth00051.npy" --sec2clip-ratio 1.5 \
    --vis "$IMAGES/inference_haan_timeline.png"
ls -l "$IMAGES"/inference_*.png
