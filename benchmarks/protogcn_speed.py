"""ProtoGCN CPU speed: a training step at batch 16 (forward + backward) and
inference throughput, with achieved FLOP/s beside this machine's measured
fp32 matmul peak.

    python benchmarks/protogcn_speed.py [--config CFG] [--frames 100]
        [--batch 16] [--iters 3] [--threads N]

FLOPs are counted by ``torch.utils.flop_counter`` (matmul/conv/einsum; a
training step counts forward + backward).
"""
import argparse
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmaction2_ext  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def matmul_peak(n=1024, iters=10):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t = time.perf_counter()
    for _ in range(iters):
        a @ b
    return 2 * n**3 * iters / (time.perf_counter() - t)


def timed(fn, iters):
    fn()  # warm-up
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t) / iters


def count_flops(fn):
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=osp.join(
        ROOT, 'configs/protogcn/ntu60_xsub/j.py'))
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    model = MODELS.build(cfg.model)
    V = 20 if cfg.model.cls_head.joint_cfg == 'coco_new' else 25
    x = torch.randn(args.batch, 1, 2, args.frames, V, 3)
    samples = [ActionDataSample().set_gt_label(i % 10)
               for i in range(args.batch)]
    optim = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def train_step():
        optim.zero_grad()
        model(x, samples, mode='loss')['loss_cls'].backward()
        optim.step()

    def infer():
        with torch.no_grad():
            model(x, samples, mode='tensor')

    print(f'config {osp.relpath(args.config, ROOT)}, input (N={args.batch}, '
          f'M=2, T={args.frames}, V={V}, C=3), {torch.get_num_threads()} '
          'threads', flush=True)
    peak = matmul_peak()
    model.train()
    train_flops = count_flops(train_step)
    train_s = timed(train_step, args.iters)
    model.eval()
    infer_flops = count_flops(infer)
    infer_s = timed(infer, args.iters)
    rows = [('matmul peak (1024^3 fp32)', '-', '-', peak),
            ('train step (fwd+bwd+SGD)', f'{train_s * 1e3:.0f} ms',
             f'{args.batch / train_s:.1f} clips/s', train_flops / train_s),
            ('inference (no grad)', f'{infer_s * 1e3:.0f} ms',
             f'{args.batch / infer_s:.1f} clips/s', infer_flops / infer_s)]
    print(f'{"":28s} {"time/batch":>11s} {"throughput":>15s} '
          f'{"GFLOP/s":>9s} {"% peak":>7s}')
    for name, t, thr, fps in rows:
        print(f'{name:28s} {t:>11s} {thr:>15s} {fps / 1e9:9.1f} '
              f'{100 * fps / peak:6.1f}%')
    print(f'GFLOPs per batch: train {train_flops / 1e9:.1f}, '
          f'inference {infer_flops / 1e9:.1f}')


if __name__ == '__main__':
    main()
