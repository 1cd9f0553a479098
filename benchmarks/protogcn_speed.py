"""ProtoGCN speed: a training step at batch 16 (forward + backward) and
inference throughput, with achieved FLOP/s beside this machine's fp32 matmul
peak, measured before and after the model runs (the fraction uses their
mean; a peak that moved by more than 15 % means the machine was not steady).

    python benchmarks/protogcn_speed.py [--config CFG] [--frames 100]
        [--batch 16] [--iters 5] [--threads N] [--device cuda]
        [--json FIGURES.json]

On CUDA the peak is a 4096^3 fp32 matmul (TF32 as PyTorch's default leaves
it: off), and the peak CUDA memory of a training step is recorded too.

FLOPs are counted by ``torch.utils.flop_counter`` (matmul/conv/einsum; a
training step counts forward + backward). Nothing is compared against another
implementation here, so there are no outputs to check.
"""
import argparse
import os.path as osp
import sys
import time

import torch

BENCH = osp.dirname(osp.abspath(__file__))
sys.path[:0] = [osp.dirname(BENCH), BENCH]

import mmaction2_ext  # noqa: E402,F401
from machine import Run, cuda_peak_mib, write_json, write_table  # noqa
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize(device)


def matmul_peak(device='cpu', iters=10):
    # 1024^3 keeps the CPU run short; a GPU needs more work per call to
    # reach its peak
    n = 4096 if str(device).startswith('cuda') else 1024
    a, b = (torch.randn(n, n, device=device) for _ in range(2))
    a @ b
    sync(device)
    t = time.perf_counter()
    for _ in range(iters):
        a @ b
    sync(device)
    return 2 * n**3 * iters / (time.perf_counter() - t)


def timed(fn, iters, device='cpu'):
    """Median seconds of ``iters`` calls after a warm-up call (GPU work
    finished inside each timed call)."""
    fn()
    sync(device)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


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
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', default=None,
                        help='also write the figures here as JSON')
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'protogcn_speed.md'))
    args = parser.parse_args()
    run = Run()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    model = MODELS.build(cfg.model).to(args.device)
    V = 20 if cfg.model.cls_head.joint_cfg == 'coco_new' else 25
    x = torch.randn(args.batch, 1, 2, args.frames, V, 3).to(args.device)
    samples = [ActionDataSample().set_gt_label(i % 10).to(args.device)
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
          f'threads, device {args.device}', flush=True)
    peaks = [matmul_peak(args.device)]
    model.train()
    train_flops = count_flops(train_step)
    train_s = timed(train_step, args.iters, args.device)
    train_mib = cuda_peak_mib(train_step, args.device)
    model.eval()
    infer_flops = count_flops(infer)
    infer_s = timed(infer, args.iters, args.device)
    peaks.append(matmul_peak(args.device))
    write_json(args.json, dict(
        config=osp.relpath(args.config, ROOT), device=args.device,
        batch=args.batch, frames=args.frames, iters=args.iters,
        train_ms=train_s * 1e3, infer_ms=infer_s * 1e3,
        train_gflop=train_flops / 1e9, infer_gflop=infer_flops / 1e9,
        matmul_peak_tflops=[p / 1e12 for p in peaks],
        train_peak_mib=train_mib))
    peak = sum(peaks) / 2
    n = 4096 if args.device.startswith('cuda') else 1024
    lines = ['| | time / batch | throughput | GFLOP/s | % of matmul peak |',
             '|---|---|---|---|---|',
             f'| matmul peak ({n}^3 fp32), before / after | - | - | '
             f'{peaks[0] / 1e9:.1f} / {peaks[1] / 1e9:.1f} | 100 |']
    for name, secs, flops in (('train step (fwd+bwd+SGD)', train_s,
                               train_flops),
                              ('inference (no grad)', infer_s, infer_flops)):
        lines.append(f'| {name} | {secs * 1e3:.0f} ms | '
                     f'{args.batch / secs:.1f} clips/s | '
                     f'{flops / secs / 1e9:.1f} | '
                     f'{100 * flops / secs / peak:.0f} |')
    footer = (f'device {args.device}; ' * (args.device != 'cpu') +
              f'config `{osp.relpath(args.config, ROOT)}`, input (N='
              f'{args.batch}, M=2, T={args.frames}, V={V}, C=3); GFLOPs per '
              f'batch: train {train_flops / 1e9:.1f}, inference '
              f'{infer_flops / 1e9:.1f}. ' +
              run.footer(args.iters).replace(
                  'interleaved repeats', 'iterations').replace(
                  'outputs checked equal before timing',
                  'matmul peak measured before and after the model runs'))
    print('\n'.join(lines) + '\n\n' + footer)
    write_table(args.out, f'ProtoGCN {args.device.split(":")[0].upper()} '
                'speed against the matmul peak',
                'python benchmarks/protogcn_speed.py', lines, footer)


if __name__ == '__main__':
    main()
