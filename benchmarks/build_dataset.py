"""Dataset builder throughput (``tools/data/build_dataset.py``): videos per
minute with 1 and 2 worker processes on the six real MA-52 clips (1080x1296,
MediaPipe Holistic), and the split of the per-video time between decoding
(OpenCV) and pose estimation. Each repeat builds from scratch into a fresh
folder; the outputs of the two worker counts are checked equal first.
Run it in the pose venv:

    .venv-pose/bin/python benchmarks/build_dataset.py [--repeats 3]
        [--max-frames 32] [--out FILE]
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
import time

import numpy as np

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]
from machine import Run, write_table  # noqa: E402
from mmaction2_ext.apis import dataset_builder as builder  # noqa: E402
from mmaction2_ext.datasets.video_sources import (  # noqa: E402
    assign_splits, from_class_folders)

CLIPS = osp.join(osp.dirname(ROOT), 'shared', 'data', 'upstream',
                 'micro-action', 'ma52_demo')


def video_root(tmp):
    """Class folders A (body) / B (head) of symlinks to the six clips."""
    root = osp.join(tmp, 'videos')
    for name in sorted(os.listdir(CLIPS)):
        folder = osp.join(root, name[0])
        os.makedirs(folder, exist_ok=True)
        os.symlink(osp.join(CLIPS, name), osp.join(folder, name))
    return root


def build(root, out, workers, max_frames):
    """(wall seconds, reports) of one build from scratch."""
    classes, clips = from_class_folders(root)
    assign_splits(clips, 0.34, 0)
    options = dict(layout='ma52', min_frames=2, max_frames=max_frames,
                   img_shape=None)
    start = time.perf_counter()
    reports = builder.process(out, clips, options, workers)
    builder.write_dataset(out, classes, clips, 'ma52')
    return time.perf_counter() - start, reports


def keypoints(out):
    from mmaction2_ext.utils import safe_load
    return safe_load(osp.join(out, 'skeleton_coco.pkl'))['annotations']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--max-frames', type=int, default=32,
                        help='frames per clip (MediaPipe ~30 ms a frame)')
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'build_dataset.md'))
    args = parser.parse_args()
    run = Run()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = video_root(tmp)
        first = {}
        for repeat in range(args.repeats):
            for workers in (1, 2):  # interleaved
                out = osp.join(tmp, f'out{workers}_{repeat}')
                wall, reports = build(root, out, workers, args.max_frames)
                rows.setdefault(workers, []).append((wall, reports))
                if repeat == 0:
                    first[workers] = keypoints(out)
        for a, b in zip(first[1], first[2]):
            np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    lines = ['| workers | videos / minute | frames / s | per video: decode '
             '(s) | per video: pose (s) | decode share | load |',
             '|---|---|---|---|---|---|---|']
    for workers, runs in rows.items():
        wall = float(np.median([w for w, _ in runs]))
        reps = [r for _, rs in runs for r in rs.values()]
        videos = len(runs[0][1])
        frames = sum(int(r['frames']) for r in runs[0][1].values())
        decode = float(np.mean([r['decode_s'] for r in reps]))
        pose = float(np.mean([r['pose_s'] for r in reps]))
        lines.append(f'| {workers} | {videos / wall * 60:.1f} | '
                     f'{frames / wall:.1f} | {decode:.3f} | {pose:.3f} | '
                     f'{decode / (decode + pose):.0%} | '
                     f'{"LOADED" if run.is_loaded() else "idle"} |')
        print(lines[-1], flush=True)
    footer = run.footer(args.repeats, 'builds from scratch, 1 and 2 '
                        'workers interleaved; keypoints checked equal '
                        'between the two') + (
        f' Six MA-52 clips, first {args.max_frames} frames each.')
    write_table(args.out, 'Dataset builder: videos per minute',
                'python benchmarks/build_dataset.py', lines, footer)


if __name__ == '__main__':
    main()
