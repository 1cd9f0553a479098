"""Pose heatmaps and skeleton pipelines: ours beside stock mmaction2, one run.

Times per sample (median wall clock, stock and ours interleaved on the same
inputs) for
* ``GeneratePoseTarget`` vs ``FastGeneratePoseTarget`` over keypoints (17, 28),
  persons (1, 2), frames x size (48x56x56, 32x56x56), keypoints / limbs /
  both;
* the PoseC3D NTU train and test pipelines (test: 10 clips + flip), keypoint
  and limb configs;
* the RGB+Pose (RGBPoseConv3D / PCAN) train pipeline on a real video (ours:
  ``MMDecodeOnce`` + ``FastGeneratePoseTarget``).

Skeletons are synthetic but person-shaped (a standing pose that moves), so
limbs have realistic lengths; one extra row uses uniformly random joints
(limbs across the whole image, the worst case for windowed limbs).

Usage: python benchmarks/pose_pipeline.py [--repeats 7] [--out FILE]
"""
import argparse
import copy
import os.path as osp
import random
import sys

import numpy as np

BENCH = osp.dirname(osp.abspath(__file__))
sys.path[:0] = [osp.dirname(BENCH), BENCH]
import mmaction2_ext  # noqa: E402,F401
from machine import Run, interleaved, write_table  # noqa: E402
from mmaction.registry import TRANSFORMS  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402

COCO_LR = dict(left_kp=(1, 3, 5, 7, 9, 11, 13, 15),
               right_kp=(2, 4, 6, 8, 10, 12, 14, 16))
# (x, y) of a standing person in a unit box: COCO-17 order
COCO_POSE = [(.50, .08), (.46, .05), (.54, .05), (.42, .07), (.58, .07),
             (.35, .22), (.65, .22), (.28, .40), (.72, .40), (.24, .56),
             (.76, .56), (.40, .55), (.60, .55), (.39, .76), (.61, .76),
             (.38, .96), (.62, .96)]
# OpenPose-18 + 5 points per hand (MA-52 / PCAN layout, pcan.md)
OPENPOSE_POSE = [(.50, .08), (.50, .20), (.36, .22), (.29, .40), (.25, .56),
                 (.64, .22), (.71, .40), (.75, .56), (.41, .55), (.40, .76),
                 (.39, .96), (.59, .55), (.60, .76), (.61, .96), (.47, .05),
                 (.53, .05), (.44, .07), (.56, .07)] + \
    [(.75 + dx, .60 + dy) for dx, dy in
     ((-.02, .02), (0, .04), (.01, .045), (.02, .04), (.03, .03))] + \
    [(.25 - dx, .60 + dy) for dx, dy in
     ((-.02, .02), (0, .04), (.01, .045), (.02, .04), (.03, .03))]
MA52 = dict(
    skeletons=((0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8),
               (8, 9), (9, 10), (1, 11), (11, 12), (12, 13), (0, 14), (0, 15),
               (14, 16), (15, 17)) + tuple((7, k) for k in range(18, 23)) +
    tuple((4, k) for k in range(23, 28)),
    left_kp=(2, 3, 4, 8, 9, 10, 14, 16), right_kp=(5, 6, 7, 11, 12, 13, 15, 17),
    left_limb=(1, 2, 3, 7, 8, 9), right_limb=(4, 5, 6, 10, 11, 12))
MODES = {'keypoint': dict(with_kp=True, with_limb=False),
         'limb': dict(with_kp=False, with_limb=True),
         'both': dict(with_kp=True, with_limb=True)}


def skeleton_clip(rng, num_kp, num_person, frames, box, img_shape,
                  uniform=False):
    """(M, T, V, 2) float32 keypoints and (M, T, V) scores in 0.3-1.

    Each person: the template pose scaled to ``box`` (x0, y0, w, h), swaying
    arms and legs, 1 % jitter; ``uniform`` draws every joint anywhere.
    """
    h, w = img_shape
    if uniform:
        kp = rng.uniform(0, 1, (num_person, frames, num_kp, 2)) * (w, h)
    else:
        pose = np.array(COCO_POSE if num_kp == 17 else OPENPOSE_POSE)
        t = np.arange(frames)[:, None, None]
        sway = 0.05 * np.sin(2 * np.pi * t / rng.uniform(15, 30) +
                             rng.uniform(0, 6.3, (1, num_kp, 1)))
        kp = []
        for m in range(num_person):
            x0, y0, bw, bh = box
            shift = (m - (num_person - 1) / 2) * 0.4
            rel = pose + sway + rng.normal(0, .01, (frames, num_kp, 2))
            kp.append((x0 + (rel[..., 0] * .8 + .1 + shift * .5) * bw,
                       y0 + (rel[..., 1] * .9 + .05) * bh))
        kp = np.stack([np.stack(p, -1) for p in kp])
    score = rng.uniform(0.3, 1, kp.shape[:3])
    return kp.astype(np.float32), score.astype(np.float32)


def compare(stock, ours, make_input, repeats, check='imgs'):
    """Outputs of ``ours`` checked against ``stock`` (same seed; key
    ``check``, or ``inputs`` after packing) within 1e-5, then the
    interleaved medians (stock, ours) in seconds."""
    outs = []
    for fn in (stock, ours):
        np.random.seed(0)
        random.seed(0)
        outs.append(fn(make_input())[check])
    for key in (outs[0] if isinstance(outs[0], dict) else [None]):
        ref, out = ((outs[0], outs[1]) if key is None else
                    (outs[0][key], outs[1][key]))
        assert np.abs(np.asarray(ref) - np.asarray(out)).max() <= 1e-5, \
            f'outputs differ ({key or check})'
    return interleaved([stock, ours], make_input, repeats)


def heatmap_rows(rng, repeats):
    rows = []
    cases = [(v, m, t, mode) for mode in MODES for v in (17, 28)
             for m in (1, 2) for t in (48, 32)]
    cases.append((17, 2, 48, 'limb*'))
    for num_kp, num_person, frames, mode in cases:
        uniform = mode.endswith('*')
        kp, score = skeleton_clip(rng, num_kp, num_person, frames,
                                  (3, 3, 50, 50), (56, 56), uniform)
        cfg = dict(MODES[mode.rstrip('*')],
                   **({} if num_kp == 17 else {'skeletons': MA52['skeletons']}))
        stock = TRANSFORMS.build(dict(type='GeneratePoseTarget', **cfg))
        ours = TRANSFORMS.build(dict(type='FastGeneratePoseTarget', **cfg))
        sample = dict(keypoint=kp, keypoint_score=score, img_shape=(56, 56))
        ts, to = compare(stock, ours, lambda: dict(sample), repeats)
        name = (f'GeneratePoseTarget {num_kp} kp, {num_person} person'
                f'{"s" if num_person > 1 else ""}, {frames}x56x56, '
                f'{mode.rstrip("*")}' +
                (' (uniform random joints)' if uniform else ''))
        rows.append((name, ts, to))
        print(_row(name, ts, to), flush=True)
    return rows


def posec3d_pipelines(kind, test, heatmap_type):
    """Stock NTU60 PoseC3D pipeline (slowonly_r50_8xb16-u48-240e_ntu60-xsub
    -{keypoint,limb}.py) with the heatmap transform swapped."""
    return Compose([TRANSFORMS.build(t) for t in
                    posec3d_pipeline_cfg(kind, test, heatmap_type)])


def posec3d_pipeline_cfg(kind, test, heatmap_type):
    """The transforms of :func:`posec3d_pipelines`, as config dicts."""
    mode = MODES[kind]
    if test:
        head = [dict(type='UniformSampleFrames', clip_len=48, num_clips=10,
                     test_mode=True),
                dict(type='PoseDecode'),
                dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
                dict(type='Resize', scale=(-1, 64)),
                dict(type='CenterCrop', crop_size=64)]
        heat = dict(type=heatmap_type, sigma=0.6, use_score=True, double=True,
                    **mode, **COCO_LR)
        if kind == 'limb':
            heat.update(left_limb=(0, 2, 4, 5, 6, 10, 11, 12),
                        right_limb=(1, 3, 7, 8, 9, 13, 14, 15))
    else:
        head = [dict(type='UniformSampleFrames', clip_len=48),
                dict(type='PoseDecode'),
                dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
                dict(type='Resize', scale=(-1, 64)),
                dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
                dict(type='Resize', scale=(56, 56), keep_ratio=False),
                dict(type='Flip', flip_ratio=0.5, **COCO_LR)]
        heat = dict(type=heatmap_type, sigma=0.6, use_score=True, **mode)
    return head + [heat,
                   dict(type='FormatShape', input_format='NCTHW_Heatmap'),
                   dict(type='PackActionInputs')]


def pipeline_rows(rng, repeats):
    kp, score = skeleton_clip(rng, 17, 2, 300, (700, 150, 500, 800),
                              (1080, 1920))
    raw = dict(keypoint=kp, keypoint_score=score, total_frames=300,
               img_shape=(1080, 1920), original_shape=(1080, 1920),
               modality='Pose', start_index=0, label=0, frame_dir='synthetic')
    rows = []
    for test in (False, True):
        for kind in ('keypoint', 'limb'):
            stock = posec3d_pipelines(kind, test, 'GeneratePoseTarget')
            ours = posec3d_pipelines(kind, test, 'FastGeneratePoseTarget')
            split = 'test (10 clips + flip, 64x64)' if test else 'train (56x56)'
            name = f'PoseC3D {split}, {kind}, 2 persons'
            ts, to = compare(stock, ours, lambda: copy.deepcopy(raw), repeats,
                             check='inputs')
            rows.append((name, ts, to))
            print(_row(name, ts, to), flush=True)
    return rows


def rgbpose_rows(rng, repeats, video):
    import decord
    reader = decord.VideoReader(video)
    frames = len(reader)
    h, w = reader[0].shape[:2]
    kp, score = skeleton_clip(rng, 28, 2, frames, (w * .2, h * .1, w * .6,
                                                   h * .85), (h, w))
    raw = dict(filename=video, keypoint=kp, keypoint_score=score,
               total_frames=frames, img_shape=(h, w), original_shape=(h, w),
               modality='RGB', start_index=0, label=0)

    def pipe(decode, heatmap_type):
        return Compose([TRANSFORMS.build(t) for t in [
            dict(type='MMUniformSampleFrames', clip_len=dict(RGB=8, Pose=32),
                 num_clips=1),
            dict(type=decode),
            dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
            dict(type='Resize', scale=(256, 256), keep_ratio=False),
            dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
            dict(type='Resize', scale=(224, 224), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5, left_kp=MA52['left_kp'],
                 right_kp=MA52['right_kp']),
            dict(type=heatmap_type, sigma=0.7, use_score=True, with_kp=True,
                 with_limb=False, scaling=0.25, **MA52),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs',
                 collect_keys=('imgs', 'heatmap_imgs'))]])

    name = f'RGB+Pose train (8 RGB + 32 pose frames, 28 kp, {w}x{h} video)'
    ts, to = compare(pipe('MMDecode', 'GeneratePoseTarget'),
                     pipe('MMDecodeOnce', 'FastGeneratePoseTarget'),
                     lambda: copy.deepcopy(raw), repeats, check='inputs')
    print(_row(name, ts, to), flush=True)
    return [(name, ts, to)]


def _row(name, ts, to):
    return f'| {name} | {ts * 1e3:.1f} | {to * 1e3:.2f} | {ts / to:.1f}x |'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--video', default=osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'shared/data/upstream/mmaction2/demo/demo.mp4'))
    parser.add_argument('--out', default=osp.join(
        osp.dirname(osp.abspath(__file__)), 'results', 'pose_pipeline.md'))
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['heatmaps', 'posec3d', 'rgbpose'])
    args = parser.parse_args()
    run = Run()
    rng = np.random.default_rng(0)
    head = ['| case (per sample) | stock mmaction2 1.2.0 (ms) | ours (ms) '
            '| speed-up |', '|---|---|---|---|']
    print('\n'.join(head), flush=True)
    rows = []
    if 'heatmaps' not in args.skip:
        rows += heatmap_rows(rng, args.repeats)
    if 'posec3d' not in args.skip:
        rows += pipeline_rows(rng, args.repeats)
    if 'rgbpose' not in args.skip:
        if osp.exists(args.video):
            rows += rgbpose_rows(rng, args.repeats, args.video)
        else:
            print(f'(RGB+Pose skipped: {args.video} not found)')
    footer = run.footer(args.repeats) + ' Heatmaps and packed inputs within ' \
        '1e-5 of stock (frames bit-identical); stock and ours run on the ' \
        'same seeded inputs.'
    print('\n' + footer)
    write_table(args.out, 'Pose heatmap / pipeline benchmark',
                'python benchmarks/pose_pipeline.py',
                head + [_row(*r) for r in rows], footer)


if __name__ == '__main__':
    main()
