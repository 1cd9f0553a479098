"""PCAN vs stock mmaction2 RGBPoseConv3D + RGBPoseHead: training step
(forward + backward) and the test-time data pipeline, per sample.

    python benchmarks/pcan_train_step.py                     # tiny, CPU
    python benchmarks/pcan_train_step.py --size full --device cuda

Both models share widths and inputs; "stock" drops the FeatureInteraction
blocks and the PCAN head (prototypes, tree loss, body classifiers). The data
pipeline is the PCAN test pipeline read through ``MA52Dataset`` (ours, with
``FastGeneratePoseTarget``) and through stock mmaction2 ``PoseDataset`` with
its ``GeneratePoseTarget`` (same arguments), on the same synthetic clips.
"""
import argparse
import copy
import os.path as osp
import sys
import tempfile
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmaction2_ext  # noqa: E402,F401
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


def time_train_step(model, batch, shapes, device, iters, warmup=2):
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    gen = torch.Generator().manual_seed(0)
    # (N, num_clips=1, C, T, H, W), as the data preprocessor hands them over
    inputs = {'imgs': torch.randn(batch, 1, *shapes[0], generator=gen).to(device),
              'heatmap_imgs': torch.rand(batch, 1, *shapes[1],
                                         generator=gen).to(device)}
    samples = [ActionDataSample().set_gt_label(torch.tensor([i % 52])).to(device)
               for i in range(batch)]
    times = []
    for i in range(warmup + iters):
        sync(device)
        start = time.perf_counter()
        losses = model.loss(dict(inputs), samples)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return 1000 * sorted(times)[len(times) // 2] / batch  # median ms / sample


def time_pipeline(dataset_cfg, n):
    dataset = DATASETS.build(dataset_cfg)
    dataset[0]  # warm-up (decoder, caches)
    start = time.perf_counter()
    for i in range(n):
        dataset[i % len(dataset)]
    return 1000 * (time.perf_counter() - start) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=CONFIGS, default='tiny')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--samples', type=int, default=6,
                        help='clips through the data pipeline')
    args = parser.parse_args()
    init_default_scope('mmaction')
    cfg = Config.fromfile(CONFIGS[args.size])
    rows = []
    for name, model_cfg in (('stock RGBPoseConv3D', stock_model_cfg(cfg.model)),
                            ('PCAN (ours)', cfg.model)):
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        ms = time_train_step(model, args.batch, SHAPES[args.size], args.device,
                             args.iters)
        rows.append((f'train step fwd+bwd, {name}', ms))
        print(f'{rows[-1][0]}: {ms:.1f} ms/sample', flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        make_ma52(tmp, classes=(0, 11), samples_per_class=(1, 1, args.samples // 2),
                  size=128)
        ds = copy.deepcopy(cfg.test_dataloader.dataset)
        ds.update(ann_file=f'{tmp}/MA-52_openpose_28kp/MA52_test.pkl',
                  list_file=f'{tmp}/annotations/test_list_videos.txt',
                  data_prefix=dict(video=f'{tmp}/raw_videos/'))
        stock = {k: v for k, v in ds.items() if k != 'list_file'}
        # the class itself: the name 'PoseDataset' now builds ours
        stock['type'] = StockPoseDataset
        stock['pipeline'] = [dict(t, type='GeneratePoseTarget')
                             if t['type'] == 'FastGeneratePoseTarget' else t
                             for t in ds.pipeline]
        for name, d in (('stock PoseDataset', stock), ('MA52Dataset (ours)', ds)):
            ms = time_pipeline(d, args.samples)
            rows.append((f'test pipeline, {name}', ms))
            print(f'{rows[-1][0]}: {ms:.1f} ms/sample', flush=True)

    print(f'\nPCAN {args.size}, device {args.device}, batch {args.batch}, '
          f'torch threads {torch.get_num_threads()}')
    print(f'| {"measurement":<48} | {"ms / sample":>11} | {"ours / stock":>12} |')
    print(f'|{"-" * 50}|{"-" * 13}|{"-" * 14}|')
    for i, (name, ms) in enumerate(rows):
        ratio = f'{ms / rows[i - 1][1]:.2f}' if i % 2 else ''
        print(f'| {name:<48} | {ms:>11.1f} | {ratio:>12} |')


if __name__ == '__main__':
    main()
