"""``tools/infer.py --stream`` on real 30 fps clips played in real time.

For PCAN tiny and the ST-GCN demo model (random weights: the time does not
depend on them) on mmaction2's test.mp4 (340x256, 10 s) and a real MA-52
clip (1080x1296, played forward then backward to 5 s), with MediaPipe poses:
the lag of each label (arrival of the window's last frame to the label), the
frames dropped, and the main thread's time per stage (pose per frame, the
test pipeline + model per label). The stream keeps up when the lag stays
below one window plus 0.5 s; where it does not, the stage shares say what
limits it.

    .venv-pose/bin/python benchmarks/stream_lag.py [--repeats 3]
"""
import argparse
import os.path as osp
import sys
import tempfile
import time

import numpy as np

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]
import mmaction2_ext  # noqa: E402,F401
from infer_latency import UPSTREAM, five_seconds  # noqa: E402
from machine import Run, write_table  # noqa: E402

from mmaction2_ext.apis import init_model, stream as live  # noqa: E402
from mmaction2_ext.apis.pose_extract import PoseTracker  # noqa: E402

CLIPS = {'test.mp4 (340x256, 10 s)': ('mmaction2/tests/data/test.mp4', False),
         'MA-52 A1 (1080x1296, 5 s)':
         ('micro-action/ma52_demo/A1_shaking_body__0030_01_0002.mp4', True)}
MODELS = {'PCAN tiny': ('configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
                        'ma52'),
          'ST-GCN demo': ('configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d'
                          '.py', 'coco')}
WINDOW, STRIDE = 32, 16
MAX_DELAY = 0.5


class Timed:
    """Wraps ``fn``; keeps the seconds of each call."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, []

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds.append(time.perf_counter() - start)


def play(model, video, layout):
    """One real-time play of ``video``: lags, drops, stage seconds."""
    predict = Timed(live.inference_recognizer if model.input_kind ==
                    'rgbpose' else live.inference_skeleton)
    name = 'inference_recognizer' if model.input_kind == 'rgbpose' else \
        'inference_skeleton'
    original = getattr(live, name)
    setattr(live, name, predict)
    try:
        with PoseTracker(layout) as track:
            pose = Timed(lambda frame: track(frame.rgb))
            source = live.open_source(video, MAX_DELAY)
            results = list(live.stream_predictions(model, source, pose,
                                                   WINDOW, STRIDE))
    finally:
        setattr(live, name, original)
    summary = live.stream_summary(results, source)
    return dict(summary, pose_ms=1e3 * np.median(pose.seconds),
                model_ms=1e3 * np.median(predict.seconds)
                if predict.seconds else None)


def median(values):
    """Median of the values that are not None (None if none is)."""
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def cell(value, digits=0):
    return '–' if value is None else f'{value:.{digits}f}'


def verdict(row):
    """Keeps up, or the stage that limits it (main-thread load > 1)."""
    budget = WINDOW / row['fps'] + MAX_DELAY
    if not row['predictions']:
        return (f'no label: fewer than {WINDOW} frames got a pose (pose '
                f'{row["pose_ms"] * row["fps"] / 1e3:.2f}x real time)')
    pose_load = row['pose_ms'] * row['fps'] / 1e3
    model_load = row['model_ms'] * row['fps'] / STRIDE / 1e3
    on_time = row['lag_max'] <= budget
    if on_time and row['dropped'] == 0:
        return f'keeps up (lag limit {budget:.2f} s)'
    limit = 'pose' if pose_load >= model_load else 'model'
    how = ('labels on time (lag limit {:.2f} s), frames dropped' if on_time
           else 'falls behind (lag limit {:.2f} s)').format(budget)
    return (f'{how}: main thread busy {pose_load + model_load:.2f}x real '
            f'time (pose {pose_load:.2f}, model {model_load:.2f}); {limit} '
            'limits it')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'stream_lag.md'))
    args = parser.parse_args()
    run = Run()
    models = {name: (init_model(osp.join(ROOT, config)), layout)
              for name, (config, layout) in MODELS.items()}
    head = ['| clip | model | frames read | dropped | labels | lag median '
            '(s) | lag max (s) | pose / frame (ms) | pipeline + model / '
            'label (ms) | verdict |', '|' + '---|' * 10]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip, (rel, ping_pong) in CLIPS.items():
            video = osp.join(UPSTREAM, rel)
            if ping_pong:
                video = osp.join(tmp, osp.basename(rel))
                five_seconds(osp.join(UPSTREAM, rel), video)
            for name, (model, layout) in models.items():
                runs = [play(model, video, layout)
                        for _ in range(args.repeats)]
                row = {k: median(r[k] for r in runs) for k in runs[0]}
                lines.append(
                    f'| {clip} | {name} | {row["frames"]:.0f} | '
                    f'{row["dropped"]:.0f} | {row["predictions"]:.0f} | '
                    f'{cell(row["lag_median"], 2)} | '
                    f'{cell(row["lag_max"], 2)} | {cell(row["pose_ms"])} | '
                    f'{cell(row["model_ms"])} | {verdict(row)} |')
                print(lines[-1], flush=True)
    footer = run.footer(args.repeats, 'real-time plays (medians of each '
                        'column)') + (
        f' Window {WINDOW} frames, stride {STRIDE}, queue {MAX_DELAY} s; '
        'the reader thread decodes, the main thread runs MediaPipe and the '
        'model (CPU, one process).')
    write_table(args.out, 'Live stream lag (--stream, real time)',
                'python benchmarks/stream_lag.py', head + lines, footer)


if __name__ == '__main__':
    main()
