"""Workers ship keypoints, the data preprocessor renders the heatmaps, vs
workers ship dense heatmaps (``FastGeneratePoseTarget``), one run.

* The render alone, CPU: ``FastGeneratePoseTarget`` per sample (+ the
  batch stacked into the model's layout) vs ``PoseHeatmapRenderer`` on the
  batch, 8 samples of 48 frames at 56x56, 17 joints, 2 persons; ms/sample.
* PoseC3D loader (NTU60 train pipeline, 48 frames at 56x56, 2 persons;
  test: 10 clips + flip at 64x64), 2 workers: samples/s delivered as model
  inputs. The keypoint row includes the render (``HeatmapDataPreprocessor``
  on the CPU, in the main process); the dense row includes its
  ``ActionDataPreprocessor``.
* The CPU cost of each stage of those loaders, ms per sample: worker
  pipeline without the render, numpy render in the worker, shipping the
  batch to the main process, the main process's preprocessor; and the
  ceiling this gives on the machine's cores (second table).
* One train iteration of the MiGA and PCAN tiny configs and their
  ``-devicehm`` siblings (loaders as configured): data time (next batch) and
  preprocessor time (render + the usual preprocessing), medians.

Inputs of both modes are checked equal (1e-5) on a seeded first batch
before timing; the two modes alternate.

Usage: python benchmarks/devicehm.py [--repeats 5] [--out FILE]
"""
import argparse
import os
import os.path as osp
import random
import sys
import tempfile
import time

import numpy as np
import torch

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]
import mmaction2_ext  # noqa: E402,F401
from machine import Run, interleaved, write_table  # noqa: E402
from mmaction.registry import DATASETS, MODELS  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from pose_pipeline import MODES, posec3d_pipeline_cfg  # noqa: E402
from pose_pipeline import skeleton_clip  # noqa: E402

from mmaction2_ext.datasets.synthetic.ma52 import make_ma52  # noqa: E402
from mmaction2_ext.datasets.synthetic.skeleton import \
    write_skeleton_pickle  # noqa: E402
from mmaction2_ext.datasets.transforms.heatmaps import \
    FastGeneratePoseTarget  # noqa: E402
from mmaction2_ext.models.utils.heatmaps import \
    PoseHeatmapRenderer  # noqa: E402

CONFIGS = {
    'MiGA tiny': 'configs/miga/'
    'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint',
    'PCAN tiny': 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52'}


def seeded_inputs(loader, pre):
    """Model inputs of the first batch, pipeline randomness seeded."""
    np.random.seed(0)
    random.seed(0)
    return pre(next(iter(loader)), training=True)['inputs']


def check_equal(loaders, pres, name):
    ref, ours = (seeded_inputs(loader, pre)
                 for loader, pre in zip(loaders, pres))
    if isinstance(ref, dict):
        assert torch.equal(ref['imgs'], ours['imgs']), name
        ref, ours = ref['heatmap_imgs'], ours['heatmap_imgs']
    assert ref.shape == ours.shape and (ref - ours).abs().max() <= 1e-5, \
        f'{name}: model inputs differ'


def build_loader(dataset, batch_size, workers, seed=0):
    return Runner.build_dataloader(dict(
        batch_size=batch_size, num_workers=workers,
        persistent_workers=workers > 0,
        sampler=dict(type='DefaultSampler', shuffle=False, seed=seed),
        dataset=dataset), seed=seed)


def posec3d_modes(test):
    """(dense pipeline, its preprocessor), (keypoint pipeline, renderer)."""
    dense = posec3d_pipeline_cfg('keypoint', test, 'FastGeneratePoseTarget')
    heatmap = {k: v for k, v in dense[-3].items()
               if k not in ('type', 'double')}
    keypoints = dense[:-3] + [dict(type='PackPoseKeypoints', double=test)]
    return ((dense, dict(type='ActionDataPreprocessor', format_shape='NCTHW')),
            (keypoints, dict(type='HeatmapDataPreprocessor', heatmap=heatmap)))


def loader_rows(tmp, repeats, workers):
    """Loader rows, and stage rows: CPU ms per sample of each stage."""
    ann = write_skeleton_pickle(osp.join(tmp, 'coco.pkl'), 'coco',
                                samples_per_class=(16, 2))
    rows, stages = [], {}
    for test, batch_size, num in ((False, 16, 64), (True, 1, 8)):
        datasets, pres = [], []
        for pipeline, pre in posec3d_modes(test):
            datasets.append(dict(type='CheckedPoseDataset', ann_file=ann,
                                 split='train', pipeline=pipeline,
                                 test_mode=test, indices=num))
            pres.append(MODELS.build(pre))
        name = ('test (10 clips + flip, 64x64)' if test else
                'train (48x56x56)')
        check_equal([build_loader(d, batch_size, 0) for d in datasets], pres,
                    name)
        loaders = [build_loader(d, batch_size, workers) for d in datasets]
        epochs = [[], []]
        for _ in range(repeats + 1):  # the first epoch starts the workers
            for loader, pre, runs in zip(loaders, pres, epochs):
                runs.append(timed_epoch(loader, pre, not test))
        # (wall, worker CPU, main CPU fetching, main CPU preprocessing) s
        dense, ours = (np.median(runs[1:], axis=0) / num
                       for runs in epochs)
        rows.append(f'| PoseC3D {name}, keypoint, 2 persons, {workers} '
                    f'workers | {1 / dense[0]:.1f} | {1 / ours[0]:.1f} | '
                    f'{dense[0] / ours[0]:.2f}x |')
        print(rows[-1], flush=True)
        del loaders
        pipe = pipeline_cpu(datasets, repeats)
        stages[name] = stage_costs(pipe, (dense, ours), workers)
    return rows, stage_table(stages)


def timed_epoch(loader, pre, training):
    """Wall, workers' CPU, main-process CPU in the loader and in ``pre``,
    seconds for one epoch of a loader with persistent workers."""
    workers_before = workers_cpu(loader)
    fetch = prep = 0.
    start = time.perf_counter()
    it = iter(loader)
    while True:
        cpu = time.process_time()
        batch = next(it, None)
        mid = time.process_time()
        fetch += mid - cpu
        if batch is None:
            break
        pre(batch, training=training)
        prep += time.process_time() - mid
    wall = time.perf_counter() - start
    return wall, workers_cpu(loader) - workers_before, fetch, prep


def workers_cpu(loader):
    """User + system CPU seconds of the loader's workers so far (0 before
    they start), from /proc."""
    it = getattr(loader, '_iterator', None)
    total = 0
    for worker in getattr(it, '_workers', ()):  # torch's worker processes
        with open(f'/proc/{worker.pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf('SC_CLK_TCK')


def pipeline_cpu(datasets, repeats):
    """In-process CPU seconds per sample of each dataset's pipeline (load +
    transforms), the modes alternating; medians."""
    built = [DATASETS.build(d) for d in datasets]
    times = [[], []]
    for _ in range(repeats):
        for dataset, ts in zip(built, times):
            start = time.process_time()
            for i in range(len(dataset)):
                dataset[i]
            ts.append((time.process_time() - start) / len(dataset))
    return [np.median(ts) for ts in times]


def stage_costs(pipe, epochs, workers):
    """Per mode (dense, keypoints): CPU ms per sample of each stage, total,
    main process, and the ceiling (samples/s) of ``workers`` workers on this
    machine's cores."""
    cores = os.cpu_count() or 1
    costs = []
    for mode, (pipeline, (_, worker, fetch, prep)) in enumerate(
            zip(pipe, epochs)):
        render = pipeline - pipe[1] if mode == 0 else None
        ship = worker - pipeline + fetch  # collate, shared memory, unpickle
        total, main = worker + fetch + prep, fetch + prep
        ceiling = 1 / max(total / cores, main, worker / workers)
        costs.append([pipe[1], render, ship, prep, total, main, ceiling])
    return costs


STAGES = ['worker pipeline without the render (incl. packing)',
          'numpy render in the worker (FastGeneratePoseTarget, format)',
          'ship to the main process (collate, shared memory, unpickle)',
          'main process: preprocessor (dense: stack + float; keypoints: '
          'torch render + the same)',
          'total CPU', 'of which in the main process',
          'ceiling (samples/s): cores / total, capped by the main process '
          'and the workers']


STAGES_INTRO = (
    'Where the CPU time of the PoseC3D loader rows goes, ms per sample (the '
    'same epochs): workers\' CPU from /proc, the main process\'s CPU while '
    'it waits for a batch and while it preprocesses, and each pipeline run '
    'in-process for the stages inside the workers. Shipping = the workers\' '
    'CPU beyond their pipeline + the main process\'s CPU in the loader.')


def stage_table(stages):
    """Markdown lines: one row per stage, a dense and a keypoint column per
    loader."""
    head = ['| stage (CPU ms per sample) | ' + ' | '.join(
        f'{name}: {mode}' for name in stages
        for mode in ('dense heatmaps', 'keypoints')) + ' |',
        '|---|' + '---|' * (2 * len(stages))]
    rows = []
    for i, stage in enumerate(STAGES):
        cells = []
        for costs in stages.values():
            for mode in costs:
                value = mode[i]
                cells.append('-' if value is None else f'{value:.1f}' if
                             i == len(STAGES) - 1 else f'{value * 1e3:.2f}')
        rows.append(f'| {stage} | ' + ' | '.join(cells) + ' |')
    return head + rows


def render_rows(repeats, batch=8):
    rng = np.random.default_rng(0)
    clips = [skeleton_clip(rng, 17, 2, 48, (3, 3, 50, 50), (56, 56))
             for _ in range(batch)]
    kps = torch.from_numpy(np.stack([k for k, _ in clips]))[:, None]
    scores = torch.from_numpy(np.stack([s for _, s in clips]))[:, None]
    rows = []
    for mode in ('keypoint', 'limb'):
        fast = FastGeneratePoseTarget(**MODES[mode])
        torch_renderer = PoseHeatmapRenderer(**MODES[mode])

        def numpy_batch(_):  # (T, C, H, W) per sample -> (B, 1, C, T, H, W)
            return torch.stack([torch.from_numpy(fast(dict(
                keypoint=k, keypoint_score=s, img_shape=(56, 56)))['imgs'])
                .transpose(0, 1)[None] for k, s in clips])

        def torch_batch(_):
            return torch_renderer(kps, scores, (56, 56))

        assert (numpy_batch(0) - torch_batch(0)).abs().max() <= 1e-5
        ts, to = interleaved([numpy_batch, torch_batch], lambda: None,
                             repeats)
        rows.append(f'| render only, {mode}, batch of {batch} x 48x56x56, '
                    f'2 persons (ms/sample; numpy: FastGeneratePoseTarget + '
                    f'stack) | {ts / batch * 1e3:.2f} | '
                    f'{to / batch * 1e3:.2f} | {ts / to:.2f}x |')
        print(rows[-1], flush=True)
    return rows


def tiny_data(tmp):
    """Synthetic iMiGUE and MA-52 sets and where the configs should read
    them."""
    ann = write_skeleton_pickle(osp.join(tmp, 'imigue.pkl'), 'imigue',
                                samples_per_class=(16, 1, 1))
    root = osp.join(tmp, 'ma52') + '/'
    make_ma52(root, classes=(1, 5, 9, 13), samples_per_class=(8, 1, 1))

    def point(cfg, name):
        dataset = cfg.train_dataloader.dataset
        if name.startswith('MiGA'):
            dataset.ann_file = ann
        else:
            dataset.ann_file = f'{root}MA-52_openpose_28kp/MA52_train.pkl'
            dataset.data_prefix = dict(video=f'{root}raw_videos/')
    return point


def forever(loader):
    while True:
        yield from loader


def iteration_rows(tmp, repeats):
    point = tiny_data(tmp)
    rows = []
    for name, config in CONFIGS.items():
        loaders, pres = [], []
        for suffix in ('', '-devicehm'):
            cfg = Config.fromfile(osp.join(ROOT, config + suffix + '.py'))
            point(cfg, name)
            cfg.train_dataloader.sampler.seed = 0
            loaders.append(Runner.build_dataloader(cfg.train_dataloader,
                                                   seed=0))
            pres.append(MODELS.build(cfg.model.data_preprocessor))
        check_equal(loaders, pres, name)
        its = [forever(loader) for loader in loaders]
        times = [[], []]
        for _ in range(repeats + 1):
            for it, pre, ts in zip(its, pres, times):
                start = time.perf_counter()
                batch = next(it)
                mid = time.perf_counter()
                pre(batch, training=True)
                ts.append((mid - start, time.perf_counter() - mid))
        (dd, dr), (kd, kr) = (np.median(ts[1:], axis=0) for ts in times)
        rows.append(f'| {name} train iteration (batch '
                    f'{loaders[0].batch_size}): data + preprocess (ms) | '
                    f'{dd * 1e3:.1f} + {dr * 1e3:.1f} = {(dd + dr) * 1e3:.1f}'
                    f' | {kd * 1e3:.1f} + {kr * 1e3:.1f} = '
                    f'{(kd + kr) * 1e3:.1f} | {(dd + dr) / (kd + kr):.2f}x |')
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'devicehm.md'))
    args = parser.parse_args()
    init_default_scope('mmaction')
    run = Run()
    head = ['| case | workers ship heatmaps | workers ship keypoints, '
            'preprocessor renders (CPU) | speed-up |', '|---|---|---|---|']
    print('\n'.join(head), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = render_rows(args.repeats)
        loader, stages = loader_rows(tmp, args.repeats, args.workers)
        rows += loader + iteration_rows(tmp, args.repeats)
    print('\n'.join([''] + stages), flush=True)
    footer = run.footer(args.repeats) + ' Render rows: ms per sample. ' \
        'Loader rows: samples/s (higher ' \
        'is better), each epoch timed to the last model input, render ' \
        'included. Iteration rows: ms, median per iteration after one ' \
        'warm-up. Model inputs of both modes checked equal (1e-5) first.'
    print('\n' + footer)
    write_table(args.out, 'Keypoints shipped, heatmaps rendered by the data '
                'preprocessor', 'python benchmarks/devicehm.py',
                head + rows + ['', STAGES_INTRO, ''] + stages, footer)


if __name__ == '__main__':
    main()
