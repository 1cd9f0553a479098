"""PCAN data time on the six real MA-52 clips (1080x1296), original vs
re-encoded by ``tools/data/reencode_videos.py`` (short side 384; GOP 8 and
GOP 1 where OpenCV can set it, else the codec's), and how far the re-encode moves the model inputs.

Times: per-sample medians of the config's train pipeline (1 clip) and 10-clip
test pipeline, the three sources interleaved. Inputs: the same pipelines
under a fixed seed (same frames, crop, flip), RGB ``imgs`` of the re-encoded
source against the original's (mean abs difference in 0-255, PSNR) and the
pose heatmaps (max abs difference). Pose: a person-shaped 28-joint skeleton
spanning 85 % of the frame height (no real MA-52 pose is at hand).
Re-encoding is lossy; this measures input drift, not accuracy.

    python benchmarks/reencode.py [--repeats 5] [--out FILE]
"""
import argparse
import copy
import os
import os.path as osp
import random
import sys
import tempfile
from types import SimpleNamespace

import cv2
import numpy as np

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH, osp.join(ROOT, 'tools', 'data')]
import mmaction2_ext  # noqa: E402,F401
import reencode_videos  # noqa: E402
from machine import Run, interleaved, write_table  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from decode_once import video_sample  # noqa: E402

UPSTREAM = osp.join(osp.dirname(ROOT), 'shared', 'data', 'upstream')
CLIPS = osp.join(UPSTREAM, 'micro-action', 'ma52_demo')
PIPELINES = osp.join(ROOT, 'configs/pcan/_base_/ma52_rgbpose_pipelines.py')
SIZE = 384
# keyframe spacings compared where OpenCV can set them (>= 5.1); the pinned
# headless 5.0 keeps the codec's (tools/data/reencode_videos.py)
GOPS = (8, 1) if hasattr(cv2, 'VIDEOWRITER_PROP_GOP_SIZE') else (None,)
COMPACT = 3  # transforms up to MMCompact: its crop is what Resize scales


def gop_label(gop):
    return f'GOP {gop}' if gop else "codec's GOP (mp4v: 12)"


def reencoded_dirs(tmp):
    """{gop: folder} of the six clips re-encoded with each GOP."""
    dirs = {}
    for gop in GOPS:
        dirs[gop] = osp.join(tmp, f'gop{gop or "default"}')
        args = SimpleNamespace(src_dir=CLIPS, dst_dir=dirs[gop], list=None,
                               short_side=SIZE, size=None, gop=gop,
                               codec='mp4v', workers=1)
        assert reencode_videos.run(args) == 0
    return dirs


def seeded(pipe, sample, filename):
    """``pipe`` on a copy of ``sample`` reading ``filename``, fixed seed."""
    random.seed(0)
    np.random.seed(0)
    return pipe(dict(copy.deepcopy(sample), filename=filename))


def drift(ref, out):
    """(mean abs diff, PSNR dB) of the RGB inputs, max abs heatmap diff."""
    a = ref['inputs']['imgs'].numpy().astype(np.float64)
    b = out['inputs']['imgs'].numpy().astype(np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    mse = np.mean((a - b) ** 2)
    heat = (ref['inputs']['heatmap_imgs'] -
            out['inputs']['heatmap_imgs']).abs().max().item()
    return np.abs(a - b).mean(), 10 * np.log10(255 ** 2 / mse), heat


def box_side(pipe, sample, filename):
    """Shorter side of the MMCompact crop, i.e. what Resize(256) scales."""
    out = Compose(pipe.transforms[:COMPACT])(
        dict(copy.deepcopy(sample), filename=filename))
    return min(out['img_shape'])


def measure(pipe, samples, paths, repeats):
    """Mean over clips of per-sample medians (s) and drift per source."""
    times, drifts = [], []
    for sample, files in zip(samples, paths):
        ref = seeded(pipe, sample, files[0])
        drifts.append([drift(ref, seeded(pipe, sample, f))
                       for f in files[1:]])
        fns = [lambda s, f=f: pipe(dict(s, filename=f)) for f in files]
        times.append(interleaved(fns, lambda: copy.deepcopy(sample),
                                 repeats))
    return np.mean(times, 0), np.mean(drifts, 0)


def time_row(name, times, drifts, loaded):
    orig = times[0] * 1e3
    cells = [f'{orig:.0f}']
    for t, (mad, psnr, heat) in zip(times[1:] * 1e3, drifts):
        cells += [f'{t:.0f} ({orig / t:.1f}x)',
                  f'{mad:.2f} / {psnr:.1f} dB / {heat:.3f}']
    return (f'| {name} | ' + ' | '.join(cells) +
            f' | {"LOADED" if loaded else "idle"} |')


def clip_row(name, files, sample, pipe):
    import decord
    readers = [decord.VideoReader(f) for f in files]
    frames = [len(r) for r in readers]
    fps = [r.get_avg_fps() for r in readers]
    h, w = readers[1][0].shape[:2]
    sizes = ' / '.join(f'{osp.getsize(f) / 2**10:.0f}' for f in files)
    boxes = ' / '.join(str(box_side(pipe, sample, f)) for f in files[:2])
    same = 'yes' if len(set(frames)) == 1 and len(set(fps)) == 1 else 'NO'
    return (f'| {name} | {frames[0]} @ {fps[0]:g} fps: {same} | {w}x{h} | '
            f'{sizes} | {boxes} |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'reencode.md'))
    args = parser.parse_args()
    init_default_scope('mmaction')
    run = Run()
    cfg = Config.fromfile(PIPELINES)
    pipes = {'train (1 clip, crop + flip)': Compose(cfg.train_pipeline),
             'test (10 clips)': Compose(cfg.test_pipeline)}
    names = sorted(n for n in os.listdir(CLIPS) if n.endswith('.mp4'))
    rng = np.random.default_rng(0)
    samples = [video_sample(osp.join(CLIPS, n), rng) for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        dirs = reencoded_dirs(tmp)
        paths = [[osp.join(CLIPS, n)] + [osp.join(dirs[g], n) for g in GOPS]
                 for n in names]
        head = ['| PCAN pipeline, per sample (mean of 6 MA-52 clips) | '
                'original 1080x1296 (ms) | ' + ' | '.join(
                    f'{SIZE} px, {gop_label(g)} (ms) | {SIZE} px, '
                    f'{gop_label(g)}: RGB input mean abs diff / PSNR / '
                    'heatmap max diff' for g in GOPS) + ' | load |',
                '|---' * (2 + 2 * len(GOPS)) + '|---|']
        print('\n'.join(head), flush=True)
        lines = []
        for name, pipe in pipes.items():
            times, drifts = measure(pipe, samples, paths, args.repeats)
            lines.append(time_row(name, times, drifts, run.is_loaded()))
            print(lines[-1], flush=True)
        lines += ['', f'Per clip (re-encoded: {SIZE} px short side):', '',
                  '| clip | frames @ fps, re-encoded equal | re-encoded size '
                  '| KiB: original / ' + ' / '.join(map(gop_label, GOPS)) +
                  ' | '
                  'MMCompact crop side (px): original / re-encoded |',
                  '|---|---|---|---|---|']
        lines += [clip_row(n.split('__')[0], files, sample,
                           pipes['test (10 clips)'])
                  for n, files, sample in zip(names, paths, samples)]
    footer = run.footer(args.repeats).replace(
        'outputs checked equal before timing.',
        'outputs NOT equal by design (lossy re-encode): the drift columns '
        'compare them (train: same seed, hence same frames, crop and flip). '
        'A crop side >= 256 means the Resize to 256 only downsamples.')
    print('\n'.join(lines[2:]) + '\n' + footer)
    write_table(args.out, 'PCAN data time: re-encoded MA-52 videos',
                'python benchmarks/reencode.py', head + lines, footer)


if __name__ == '__main__':
    main()
