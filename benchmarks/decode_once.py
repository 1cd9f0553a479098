"""PCAN 10-clip test pipeline, data time per sample: stock mmaction2
transforms, today's (stock decode + ``FastGeneratePoseTarget``) and ours
(``MMDecodeOnce`` + ``FastGeneratePoseTarget``, the config default).

Videos: mmaction2's demo.mp4 (340x256, long GOP), a real MA-52 clip
(1080x1296) and a synthetic 448-px MA-52 set; pose: a person-shaped 28-joint
skeleton (the synthetic set: its own keypoints). Outputs are checked equal
(frames bit-identical, heatmaps within 1e-5) before timing.

    python benchmarks/decode_once.py [--repeats 5] [--out FILE]
"""
import argparse
import copy
import os.path as osp
import pickle
import sys
import tempfile

import numpy as np

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]
import mmaction2_ext  # noqa: E402,F401
from machine import Run, interleaved, write_table  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from pose_pipeline import skeleton_clip  # noqa: E402

from mmaction2_ext.datasets.synthetic.ma52 import make_ma52  # noqa: E402

UPSTREAM = osp.join(osp.dirname(ROOT), 'shared', 'data', 'upstream')
VIDEOS = {'demo.mp4': 'mmaction2/demo/demo.mp4',
          'MA-52 A1_shaking_body__0030_01_0002.mp4':
          'micro-action/ma52_demo/A1_shaking_body__0030_01_0002.mp4'}
PIPELINES = osp.join(ROOT, 'configs/pcan/_base_/ma52_rgbpose_pipelines.py')
VARIANTS = {'stock': dict(MMDecodeOnce='MMDecode',
                          FastGeneratePoseTarget='GeneratePoseTarget'),
            'today': dict(MMDecodeOnce='MMDecode'),
            'ours': {}}


def pipelines():
    """The config's test pipeline with transforms renamed per variant."""
    test = Config.fromfile(PIPELINES).test_pipeline
    return {name: Compose([dict(t, type=swap.get(t['type'], t['type']))
                           for t in test])
            for name, swap in VARIANTS.items()}


def video_sample(path, rng):
    """An MA-52-style sample of ``path``: a person-shaped 28-joint skeleton
    in the video's own pixel coordinates."""
    import decord
    reader = decord.VideoReader(path)
    frames, (h, w) = len(reader), reader[0].shape[:2]
    kp, score = skeleton_clip(rng, 28, 1, frames, (w * .2, h * .1, w * .6,
                                                   h * .85), (h, w))
    return dict(filename=path, keypoint=kp, keypoint_score=score,
                total_frames=frames, img_shape=(h, w), original_shape=(h, w),
                modality='RGB', start_index=0, label=0)


def synthetic_samples(out, size):
    make_ma52(out, classes=(0, 11), samples_per_class=(2, 0, 0), size=size)
    with open(f'{out}/MA-52_openpose_28kp/MA52_train.pkl', 'rb') as f:
        annos = pickle.load(f)
    return [dict(a, filename=f'{out}/raw_videos/{a["frame_dir"]}.mp4',
                 modality='RGB', start_index=0) for a in annos]


def check_equal(pipes, sample):
    """Outputs of every variant against stock; returns stock's output."""
    ref = pipes['stock'](copy.deepcopy(sample))
    for name, pipe in pipes.items():
        out = pipe(copy.deepcopy(sample))['inputs']
        assert np.array_equal(out['imgs'].numpy(),
                              ref['inputs']['imgs'].numpy()), name
        diff = (out['heatmap_imgs'] - ref['inputs']['heatmap_imgs']).abs()
        assert diff.max() <= 1e-5, f'{name}: heatmaps differ by {diff.max()}'
    return ref


def decoded_frames(pipes, sample):
    """(unique, total) RGB frames the 10 clips index, and H x W."""
    inds = pipes['stock'].transforms[0](copy.deepcopy(sample))['RGB_inds']
    return len(np.unique(inds)), len(inds)


def measure(pipes, samples, repeats):
    """Per-sample medians (stock, today, ours), summed over ``samples``."""
    total = np.zeros(3)
    for sample in samples:
        check_equal(pipes, sample)
        total += interleaved(list(pipes.values()),
                             lambda: copy.deepcopy(sample), repeats)
    return total / len(samples)


def row(name, sample, pipes, times, loaded):
    unique, n = decoded_frames(pipes, sample)
    h, w = sample['img_shape']
    stock, today, ours = times * 1e3
    return (f'| {name} ({w}x{h}) | {stock:.0f} | {today:.0f} | {ours:.0f} | '
            f'{stock / ours:.2f}x | {today / ours:.2f}x | {unique} of {n}, '
            f'{unique * h * w * 3 / 2**20:.0f} MiB | '
            f'{"LOADED" if loaded else "idle"} |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--size', type=int, default=448,
                        help='side of the synthetic videos')
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'decode_once.md'))
    args = parser.parse_args()
    init_default_scope('mmaction')
    run = Run()
    pipes = pipelines()
    rng = np.random.default_rng(0)
    head = ['| video (per sample) | stock mmaction2 (ms) | today: stock '
            'decode + fast heatmaps (ms) | ours: MMDecodeOnce (ms) | vs stock '
            '| vs today | frames decoded (unique of indexed), decoded peak '
            '| load |', '|---|---|---|---|---|---|---|---|']
    print('\n'.join(head), flush=True)
    lines = []
    for name, rel in VIDEOS.items():
        sample = video_sample(osp.join(UPSTREAM, rel), rng)
        times = measure(pipes, [sample], args.repeats)
        lines.append(row(name, sample, pipes, times, run.is_loaded()))
        print(lines[-1], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        samples = synthetic_samples(tmp, args.size)
        times = measure(pipes, samples, args.repeats)
        name = f'synthetic set, mean of {len(samples)} (frames: 1st)'
        lines.append(row(name, samples[0], pipes, times, run.is_loaded()))
        print(lines[-1], flush=True)
    footer = run.footer(args.repeats) + (
        ' "decoded peak": unique frames x H x W x 3 uint8 that one sample '
        'decodes (the sample then holds one frame per index, as stock does).')
    print(footer)
    write_table(args.out, 'PCAN 10-clip test pipeline: decode once',
                'python benchmarks/decode_once.py', head + lines, footer)


if __name__ == '__main__':
    main()
