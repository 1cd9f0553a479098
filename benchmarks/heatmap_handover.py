"""What the copy of the rendered heatmap batch costs in a train iteration.

``HeatmapDataPreprocessor`` hands the rows of the batch it rendered to the
next preprocessor, whose ``stack_batch`` copies them into a new batch
tensor. This times, interleaved, one whole train iteration of the MiGA and
PCAN tiny ``-devicehm`` configs (preprocessors, forward, backward, SGD step)
and that copy alone on the same rendered batch, and gives the copy's share
of the iteration (a tiny model is the worst case: the least compute per
heatmap byte)::

    python benchmarks/heatmap_handover.py [--repeats 7]
"""
import argparse
import copy
import os.path as osp
import sys
import tempfile

import numpy as np
import torch

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]

import mmaction2_ext  # noqa: E402,F401
from devicehm import CONFIGS, tiny_data  # noqa: E402
from machine import Run, interleaved, write_table  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmaction2_ext.datasets.class_vectors import \
    random_class_vectors  # noqa: E402


def case(name, config, point):
    """(train iteration fn, copy fn, make_input, batch size) for a config."""
    cfg = Config.fromfile(osp.join(ROOT, config + '-devicehm.py'))
    point(cfg, name)
    if 'class_vectors' in cfg.model.cls_head:  # MiGA: any (C, 300) table
        path = osp.join(osp.dirname(cfg.train_dataloader.dataset.ann_file),
                        'class_vectors.npy')
        np.save(path, random_class_vectors(cfg.model.cls_head.num_classes))
        cfg.model.cls_head.class_vectors = path
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0)))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    inputs = batch['inputs']
    rows = model.data_preprocessor.render(
        inputs['keypoint'], inputs['keypoint_score'], batch['data_samples'])

    def iteration(data):
        model.train_step(data, optim)

    def stack(rows):
        torch.stack(rows)

    def make_input():
        return copy.deepcopy(batch)
    return iteration, stack, make_input, rows, len(batch['data_samples'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'heatmap_handover.md'))
    args = parser.parse_args()
    init_default_scope('mmaction')
    torch.set_num_threads(1)
    run = Run()
    lines = ['| config (batch) | train iteration (ms) | copy of the rendered '
             'batch (ms) | copy / iteration |', '|---|---|---|---|']
    with tempfile.TemporaryDirectory() as tmp:
        point = tiny_data(tmp)
        for name, config in CONFIGS.items():
            iteration, stack, make_input, rows, size = case(name, config,
                                                            point)
            # one interleaved run: iteration and copy alternate
            it, cp = interleaved(
                [lambda d: iteration(d[0]), lambda d: stack(d[1])],
                lambda: (make_input(), rows), args.repeats)
            lines.append(f'| {name} ({size}) | {it * 1e3:.1f} | '
                         f'{cp * 1e3:.2f} | {cp / it:.1%} |')
            print(lines[-1], flush=True)
    write_table(args.out, 'Heatmap hand-over: the batch copy',
                'python benchmarks/heatmap_handover.py', lines,
                run.footer(args.repeats, 'interleaved repeats, wall clock, '
                           '1 torch thread'))


if __name__ == '__main__':
    main()
