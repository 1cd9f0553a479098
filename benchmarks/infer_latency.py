"""Latency per stage of tools/infer.py --pose mediapipe on a 5-second video.

Stages: decode, pose extraction (MediaPipe Holistic), the input checks, the
PCAN test pipeline (its frame decode, heatmap rendering, other transforms)
and the model forward, for PCAN tiny and the full PCAN config (random
weights: the time does not depend on them).

Clips: a real MA-52 clip (1080x1296, 2.5 s) played forward then backward
(5 s, the motion stays continuous for the pose tracker) and the first 5 s
of mmaction2's demo.mp4 (340x256), both re-encoded as mp4v.

    .venv-pose/bin/python benchmarks/infer_latency.py [--repeats 5]
        [--device cuda] [--sizes tiny full]

Without MediaPipe (the core .venv) the pose row is not measured and the
pipeline runs on a synthetic skeleton of the same size.
"""
import argparse
import os.path as osp
import sys
import tempfile
import time
from collections import defaultdict

import numpy as np
import torch

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]
import cv2  # noqa: E402
import mmaction2_ext  # noqa: E402,F401
from machine import Run, write_table  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from pose_pipeline import skeleton_clip  # noqa: E402

from mmaction2_ext.apis import init_model  # noqa: E402
from mmaction2_ext.apis.inference import rgbpose_annotation  # noqa: E402
from mmaction2_ext.apis.pose_extract import _frames, frame_poses  # noqa

UPSTREAM = osp.join(osp.dirname(ROOT), 'shared', 'data', 'upstream')
CLIPS = {'MA-52 A1 (ping-pong)':
         'micro-action/ma52_demo/A1_shaking_body__0030_01_0002.mp4',
         'demo.mp4 (first 5 s)': 'mmaction2/demo/demo.mp4'}
CONFIGS = {'tiny': 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
           'full': 'configs/pcan/pcan_rgbpose_ma52.py'}
SECONDS = 5.
POSE_ROWS = ('pose extraction (MediaPipe Holistic)',
             'pose extraction, CPU time of all threads (not in the total)')
# test pipeline transforms -> stage
STAGES = dict(MMDecodeOnce='frame decode', MMDecode='frame decode',
              FastGeneratePoseTarget='heatmaps',
              GeneratePoseTarget='heatmaps')


def five_seconds(src, out):
    """Write 5 s of ``src`` to ``out`` (mp4v): the clip played forward then
    backward until 5 s are filled. Returns the frame count."""
    frames = [f[..., ::-1] for f in _frames(src)]  # BGR for the writer
    cap = cv2.VideoCapture(src)
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    loop = frames + frames[::-1]
    num = int(round(SECONDS * fps))
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    for t in range(num):
        writer.write(np.ascontiguousarray(loop[t % len(loop)]))
    writer.release()
    return num


def has_mediapipe():
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        return False
    return True


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def poses(video, frames, use_mediapipe, rng):
    """The 28-kp pose dict of ``video`` (MediaPipe, or a synthetic
    skeleton) and the wall and CPU seconds pose extraction took (None:
    synthetic); MediaPipe runs threads of its own, OMP_NUM_THREADS does
    not bound them."""
    height, width = frames[0].shape[:2]
    if not use_mediapipe:
        kp, score = skeleton_clip(rng, 28, 1, len(frames),
                                  (width * .2, height * .1, width * .6,
                                   height * .85), (height, width))
        return dict(keypoint=kp, keypoint_score=score), None
    start, cpu = time.perf_counter(), time.process_time()
    kp, shape = frame_poses(frames, 'ma52')
    took = (time.perf_counter() - start, time.process_time() - cpu)
    return dict(keypoint=kp[None, ..., :2], keypoint_score=kp[None, ..., 2],
                img_shape=shape), took


def infer_once(model, pipeline, video, pose, device):
    """Seconds per stage of one ``inference_rgbpose`` on ``video``."""
    times = defaultdict(float)
    start = time.perf_counter()
    data = rgbpose_annotation(model, video, pose)
    times['input checks'] = time.perf_counter() - start
    for transform in pipeline.transforms:
        stage = STAGES.get(type(transform).__name__, 'other transforms')
        start = time.perf_counter()
        data = transform(data)
        times[stage] += time.perf_counter() - start
    batch = pseudo_collate([data])
    sync(device)
    start = time.perf_counter()
    with torch.no_grad():
        model.test_step(batch)
    sync(device)
    times['model forward'] = time.perf_counter() - start
    return times


def measure(video, models, use_mediapipe, repeats, device, rng):
    """Median seconds per row label over ``repeats`` (after a warm-up)."""
    runs = defaultdict(list)
    for r in range(repeats + 1):
        start = time.perf_counter()
        frames = list(_frames(video))
        decode = time.perf_counter() - start
        pose, took = poses(video, frames, use_mediapipe, rng)
        if r == 0:  # warm-up
            for model, pipeline in models.values():
                infer_once(model, pipeline, video, pose, device)
            continue
        runs['decode, all frames (cv2)'].append(decode)
        if took is not None:
            runs[POSE_ROWS[0]].append(took[0])
            runs[POSE_ROWS[1]].append(took[1])
        for size, (model, pipeline) in models.items():
            for stage, sec in infer_once(model, pipeline, video, pose,
                                         device).items():
                runs[f'{size}: {stage}'].append(sec)
    return {label: float(np.median(ts)) for label, ts in runs.items()}, \
        len(frames), frames[0].shape[:2]


def row_order(sizes, use_mediapipe):
    rows = ['decode, all frames (cv2)']
    if use_mediapipe:
        rows += POSE_ROWS
    for size in sizes:
        rows += [f'{size}: {stage}' for stage in
                 ('input checks', 'frame decode', 'heatmaps',
                  'other transforms', 'model forward')]
    return rows


def table(results, sizes, use_mediapipe, device):
    names = list(results)
    head = ['| stage | ' + ' | '.join(
        f'{n}: {results[n][1]} frames {results[n][2][1]}x{results[n][2][0]}'
        ' (ms)' for n in names) + ' |', '|---|' + '---|' * len(names)]
    lines = []
    for label in row_order(sizes, use_mediapipe):
        shown = label.replace('model forward', f'model forward ({device})')
        lines.append(f'| {shown} | ' + ' | '.join(
            f'{results[n][0][label] * 1e3:.0f}' for n in names) + ' |')
    for size in sizes:
        # the shared rows (decode, poses) and this size's own
        total = [sum(v for k, v in results[n][0].items()
                     if k != POSE_ROWS[1] and (':' not in k or
                                               k.startswith(f'{size}:')))
                 for n in names]
        lines.append(f'| **total, PCAN {size}** | ' + ' | '.join(
            f'**{t * 1e3:.0f}**' for t in total) + ' |')
    return head, lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--sizes', nargs='+', choices=list(CONFIGS),
                        help='PCAN configs timed (default: tiny on the CPU, '
                        'where a full forward takes tens of seconds; tiny '
                        'and full on CUDA)')
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'infer_latency.md'))
    args = parser.parse_args()
    cuda = args.device.startswith('cuda')
    sizes = args.sizes or (['tiny', 'full'] if cuda else ['tiny'])
    init_default_scope('mmaction')
    use_mediapipe = has_mediapipe()
    if not use_mediapipe:
        print('no mediapipe in this python: the pose extraction row is not '
              'measured (run with .venv-pose/bin/python, make pose-install)')
    run = Run()
    rng = np.random.default_rng(0)
    models = {}
    for size in sizes:
        model = init_model(osp.join(ROOT, CONFIGS[size]), device=args.device)
        models[size] = (model, Compose(model.cfg.test_pipeline))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, rel in CLIPS.items():
            video = osp.join(tmp, osp.basename(rel))
            five_seconds(osp.join(UPSTREAM, rel), video)
            results[name] = measure(video, models, use_mediapipe,
                                    args.repeats, args.device, rng)
            print(name, {k: round(v * 1e3) for k, v in
                         results[name][0].items()}, flush=True)
    head, lines = table(results, sizes, use_mediapipe, args.device)
    note = ('' if use_mediapipe else ' Pose extraction not measured (no '
            'mediapipe in this python): the pipeline ran on a synthetic '
            'skeleton.')
    if 'full' not in sizes:
        note += (' The full PCAN config is left out (a forward of its 10 test '
                 'clips takes tens of seconds on one CPU thread): --sizes '
                 'tiny full times it.')
    footer = run.footer(args.repeats, 'repeats of the whole chain, stages '
                        'in sequence, wall clock, after one warm-up') + (
        ' One process; the pipeline and MediaPipe on the CPU, the model on '
        f'{args.device}; PCAN tiny: 2 test clips at 56 px, full: 10 at 256 '
        'px (each config\'s test pipeline); the clips are re-encoded as '
        'mp4v.' + note)
    print('\n'.join(head + lines) + '\n' + footer)
    write_table(args.out, 'Inference latency per stage (5-second clip)',
                'python benchmarks/infer_latency.py', head + lines, footer)


if __name__ == '__main__':
    main()
