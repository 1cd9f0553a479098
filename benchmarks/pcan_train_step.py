"""PCAN vs stock mmaction2 RGBPoseConv3D + RGBPoseHead: training step
(forward + backward) and the test-time data pipeline, per sample.

    python benchmarks/pcan_train_step.py                     # tiny, CPU
    python benchmarks/pcan_train_step.py --size full --device cuda
        [--no-pipeline] [--json FIGURES.json]   (peak CUDA memory too)

Both models share widths and inputs; "stock" drops the FeatureInteraction
blocks and the PCAN head (prototypes, tree loss, body classifiers); the two
models do different work, so their outputs are not compared. The data
pipeline is the PCAN test pipeline read through ``MA52Dataset`` (ours:
``MMDecodeOnce``, ``FastGeneratePoseTarget``) and through stock mmaction2
``PoseDataset`` with ``MMDecode`` and ``GeneratePoseTarget`` (same
arguments), on the same synthetic clips; their outputs are checked equal
before timing.
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
from machine import (Run, cuda_peak_mib, interleaved, write_json,  # noqa
                     write_table)
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmaction.datasets import PoseDataset as StockPoseDataset  # noqa: E402
from mmaction.registry import DATASETS, MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402

from mmaction2_ext.datasets.synthetic.ma52 import make_ma52  # noqa: E402

CONFIGS = {'full': 'configs/pcan/pcan_rgbpose_ma52.py',
           'tiny': 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'}
SHAPES = {'full': ((3, 8, 224, 224), (28, 32, 56, 56)),
          'tiny': ((3, 8, 56, 56), (28, 32, 14, 14))}
STOCK_TRANSFORMS = dict(MMDecodeOnce='MMDecode',
                        FastGeneratePoseTarget='GeneratePoseTarget')


def stock_model_cfg(cfg):
    stock = copy.deepcopy(cfg)
    stock.backbone.type = 'RGBPoseConv3D'
    head = stock.cls_head
    stock.cls_head = dict(type='RGBPoseHead', num_classes=head.num_classes,
                          in_channels=head.in_channels,
                          loss_components=head.loss_components,
                          loss_weights=head.loss_weights,
                          average_clips=head.average_clips,
                          dropout=head.get('dropout', 0.5))
    return stock


def sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def train_step(model, batch, shapes, device):
    """A function running one SGD step of ``model`` on fixed random data."""
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    gen = torch.Generator().manual_seed(0)
    # (N, num_clips=1, C, T, H, W), as the data preprocessor hands them over
    inputs = {'imgs': torch.randn(batch, 1, *shapes[0],
                                  generator=gen).to(device),
              'heatmap_imgs': torch.rand(batch, 1, *shapes[1],
                                         generator=gen).to(device)}
    samples = [ActionDataSample().set_gt_label(torch.tensor([i % 52]))
               .to(device) for i in range(batch)]

    def step(_):
        losses = model.loss(dict(inputs), samples)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync(device)
    return step


def pipeline_datasets(cfg, tmp, samples):
    """(stock PoseDataset, ours MA52Dataset) on synthetic test clips."""
    make_ma52(tmp, classes=(0, 11), samples_per_class=(1, 1, samples // 2),
              size=128)
    ds = copy.deepcopy(cfg.test_dataloader.dataset)
    ds.update(ann_file=f'{tmp}/MA-52_openpose_28kp/MA52_test.pkl',
              list_file=f'{tmp}/annotations/test_list_videos.txt',
              data_prefix=dict(video=f'{tmp}/raw_videos/'))
    # keys only our MA52Dataset knows (video list, hidden test labels,
    # skeleton layout check)
    ours_only = ('list_file', 'labels_hidden', 'layout')
    stock = {k: v for k, v in ds.items() if k not in ours_only}
    stock['type'] = StockPoseDataset
    stock['pipeline'] = [dict(t, type=STOCK_TRANSFORMS.get(t['type'],
                                                           t['type']))
                         for t in ds.pipeline]
    return DATASETS.build(stock), DATASETS.build(ds)


def check_equal(stock, ours):
    for i in range(len(ours)):
        ref, out = stock[i]['inputs'], ours[i]['inputs']
        assert torch.equal(ref['imgs'], out['imgs']), f'sample {i}: frames'
        diff = (ref['heatmap_imgs'] - out['heatmap_imgs']).abs().max()
        assert diff <= 1e-5, f'sample {i}: heatmaps differ by {diff}'


def pipeline_ms(stock, ours, repeats):
    """Per-sample medians (stock, ours), mean over the samples, in ms."""
    times = [interleaved([stock.__getitem__, ours.__getitem__],
                         lambda: i, repeats) for i in range(len(ours))]
    return 1000 * np.mean(times, axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=CONFIGS, default='tiny')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--samples', type=int, default=6,
                        help='clips through the data pipeline')
    parser.add_argument('--out', default=None,
                        help='default: results/pcan_train_step_SIZE.md')
    parser.add_argument('--no-pipeline', action='store_true',
                        help='time the train steps only (the data pipeline '
                        'runs on the CPU whatever --device says)')
    parser.add_argument('--json', default=None,
                        help='also write the figures here as JSON')
    args = parser.parse_args()
    init_default_scope('mmaction')
    run = Run()
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[args.size]))
    steps = []
    for model_cfg in (stock_model_cfg(cfg.model), cfg.model):
        torch.manual_seed(0)
        steps.append(train_step(MODELS.build(model_cfg), args.batch,
                                SHAPES[args.size], args.device))
    step_ms = [1000 * t / args.batch
               for t in interleaved(steps, lambda: None, args.repeats)]
    # both models stay resident, so each peak is taken above that
    peaks = [cuda_peak_mib(lambda: step(None), args.device) for step in steps]
    data_ms = []
    if not args.no_pipeline:
        with tempfile.TemporaryDirectory() as tmp:
            stock, ours = pipeline_datasets(cfg, tmp, args.samples)
            check_equal(stock, ours)
            data_ms = list(pipeline_ms(stock, ours, args.repeats))
    write_json(args.json, dict(
        size=args.size, device=args.device, batch=args.batch,
        repeats=args.repeats, stock_ms_per_sample=step_ms[0],
        pcan_ms_per_sample=step_ms[1], stock_peak_mib=peaks[0],
        pcan_peak_mib=peaks[1]))
    write_tables(args, run, step_ms, data_ms, peaks)


def write_tables(args, run, step_ms, data_ms, peaks):
    names = ('train step fwd+bwd, stock RGBPoseConv3D',
             'train step fwd+bwd, PCAN (ours)',
             'test pipeline, stock PoseDataset (MMDecode, GeneratePoseTarget)',
             'test pipeline, MA52Dataset (ours: MMDecodeOnce, fast heatmaps)')
    lines = ['| measurement | ms / sample | ours / stock |', '|---|---|---|']
    values = [*step_ms, *data_ms]
    for i, (name, ms) in enumerate(zip(names, values)):
        ratio = f'{ms / values[i - 1]:.2f}' if i % 2 else ''
        lines.append(f'| {name} | {ms:.1f} | {ratio} |')
    footer = (f'PCAN {args.size}, device {args.device}, batch {args.batch}, '
              f'{0 if args.no_pipeline else args.samples} pipeline samples '
              '(synthetic, 128 px). ' +
              run.footer(args.repeats).replace(
                  'outputs checked equal', 'pipeline outputs checked equal'))
    if peaks[0] is not None:
        footer += (' Peak CUDA memory of one step above the resident models: '
                   f'stock {peaks[0]:.0f} MiB, PCAN {peaks[1]:.0f} MiB.')
    print('\n'.join(lines) + '\n\n' + footer)
    write_table(args.out or osp.join(BENCH, 'results',
                                     f'pcan_train_step_{args.size}.md'),
                f'PCAN train step and test pipeline ({args.size})',
                f'python benchmarks/pcan_train_step.py --size {args.size}',
                lines, footer)


if __name__ == '__main__':
    main()
