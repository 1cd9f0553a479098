"""One HAAN training epoch: our batched losses against a faithful per-video
loop of the same losses (upstream's structure: loops over videos, clusters,
classes, coarse classes), same weights, same batches, one run.

    python benchmarks/haan_epoch.py                 # FineGym sizes, d=512
    python benchmarks/haan_epoch.py --encoded 2048  # the full FineGym model
    python benchmarks/haan_epoch.py --device cuda --videos 200
    python benchmarks/haan_epoch.py --table     # results/haan_epoch.md
    python benchmarks/haan_epoch.py --device cuda --json FIGURES.json
        # + peak CUDA memory of one epoch of each

Dropout is set to 0 in both so the per-iteration losses must agree (the two
paths draw dropout masks in a different order); it does not change the cost.
The first batch's losses are checked equal before timing; epochs are timed
interleaved (loop, ours) from fresh copies of the same weights.
"""
import argparse
import copy
import os.path as osp
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

BENCH = osp.dirname(osp.abspath(__file__))
sys.path[:0] = [osp.dirname(BENCH), BENCH]

from machine import Run, cuda_peak_mib, write_json, write_table  # noqa
from mmaction.registry import MODELS  # noqa: E402
import mmaction2_ext  # noqa: E402,F401

# the rows of results/haan_epoch.md
TABLE = {
    '--videos 6 --encoded 2048': 'FineGym full model',
    '--videos 20': 'FineGym sizes, d=512',
    '--videos 20 --encoded 1024 --feature-size 4096 --classes 106 '
    '--pooling max --max-clips 100': 'FineAction full model'}


def loop_losses(model, x, seq_lens, samples, f2c, pooling, lambdas, top_k):
    """Upstream's _train_one_batch / _get_loss, one video at a time."""
    K = model.num_visual_concepts
    encoded = model.encode(x)
    h_all, s_all = model.fine_level_classifier(encoded)
    q_all = model.pseudo_label_classifier(encoded)[1]
    W = model.fine_level_classifier.out_layer.weight.detach()
    pi = model.pseudo_label_weights
    coarse_to_fine = {}
    for f, c in enumerate(f2c):
        coarse_to_fine.setdefault(c, []).append(f)
    total = 0.
    for i, name in enumerate(samples['video_names']):
        t = int(seq_lens[i])
        h, s, q = h_all[i, :t], s_all[i, :t], q_all[i, :t]
        p = torch.from_numpy(model.pseudo_labels[name][:t]).long().to(h.device)
        y, w = samples['fine_labels'][i], samples['fine_weights'][i]
        mean = s.mean(0, keepdim=True)
        mask = s >= mean
        agg = (s * mask).sum(0) / mask.sum(0)
        l_mil = F.binary_cross_entropy_with_logits(agg, y, weight=w)
        l_pseudo = F.cross_entropy(q, p, weight=pi) / len(q)
        concepts = []
        for k in range(K):
            idx = torch.where(p == k)
            vc = h[idx]
            concepts.append(h.new_zeros(1, h.shape[1]) if vc.shape[0] == 0
                            else vc.mean(0, keepdim=True))
        V = torch.cat(concepts)
        C = W.shape[0]
        sim = F.cosine_similarity(W.unsqueeze(1).expand(C, K, -1),
                                  V.detach().unsqueeze(0).expand(C, K, -1),
                                  dim=2)
        top = torch.topk(sim, top_k, dim=1)[1]
        masks = h.new_zeros(C, K)
        for c, index in enumerate(top):
            masks[c, index] = 1
        R = (V.unsqueeze(0).expand(C, K, -1) * masks.unsqueeze(2)).sum(1) / top_k
        U = []
        for g in range(len(coarse_to_fine)):
            members = R[coarse_to_fine[g]]
            U.append(members.mean(0, keepdim=True) if pooling == 'mean'
                     else members.max(0, keepdim=True)[0])
        U = torch.cat(U)
        dist = 1 - F.cosine_similarity(W, R, dim=1)
        l_concept = dist[y.bool()].sum() / y.sum()
        z = model.coarse_level_classifier(U)[1].squeeze(1)
        l_coarse = F.binary_cross_entropy_with_logits(
            z, samples['coarse_labels'][i], weight=samples['coarse_weights'][i])
        total = total + (lambdas[0] * l_mil + lambdas[1] * l_pseudo +
                         lambdas[2] * l_concept + lambdas[3] * l_coarse)
    return total


def make_batches(args, rng, num_coarse):
    batches = []
    for _ in range(args.videos // args.batch_size):
        lens = rng.integers(args.max_clips // 3, args.max_clips + 1,
                            args.batch_size)
        x = torch.zeros(args.batch_size, int(lens.max()), args.feature_size)
        for i, t in enumerate(lens):
            x[i, :t] = torch.from_numpy(
                rng.normal(size=(t, args.feature_size)).astype(np.float32))
        y = (rng.random((args.batch_size, args.classes)) < .05).astype(np.float32)
        y[:, 0] = 1
        yc = np.zeros((args.batch_size, num_coarse), np.float32)
        for b, c in zip(*np.nonzero(y)):
            yc[b, c % num_coarse] = 1
        names = [f'v{len(batches)}_{i}' for i in range(args.batch_size)]
        batches.append((x, torch.from_numpy(lens), dict(
            video_names=names, seq_lens=torch.from_numpy(lens),
            fine_labels=torch.from_numpy(y),
            fine_weights=torch.from_numpy(rng.random(y.shape).astype(np.float32) + .5),
            coarse_labels=torch.from_numpy(yc),
            coarse_weights=torch.from_numpy(rng.random(yc.shape).astype(np.float32) + .5))))
    return batches


def to_device(batches, device):
    move = (lambda v: v.to(device) if isinstance(v, torch.Tensor) else v)
    return [(x.to(device), lens, {k: move(v) for k, v in s.items()})
            for x, lens, s in batches]


def run_epoch(model, batches, step):
    optim = torch.optim.Adam(model.parameters(), lr=3e-5)
    losses = []
    start = time.perf_counter()
    for x, lens, samples in batches:
        optim.zero_grad()
        loss = step(model, x, lens, samples)
        loss.backward()
        optim.step()
        losses.append(loss.item())  # .item() synchronises CUDA
    return time.perf_counter() - start, np.array(losses)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', type=int, default=40)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--max-clips', type=int, default=309)
    parser.add_argument('--feature-size', type=int, default=2048)
    parser.add_argument('--encoded', type=int, default=512)
    parser.add_argument('--classes', type=int, default=99)
    parser.add_argument('--concepts', type=int, default=500)
    parser.add_argument('--pooling', choices=['mean', 'max'], default='mean')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=5,
                        help='epochs of each, interleaved')
    parser.add_argument('--table', action='store_true',
                        help='run the rows of TABLE, write --out')
    parser.add_argument('--out', default=osp.join(BENCH, 'results',
                                                  'haan_epoch.md'))
    parser.add_argument('--json', default=None,
                        help='also write the figures here as JSON')
    return parser.parse_args(argv)


def measure(args):
    """Median s/iter of (loop, ours), the max loss difference, the number
    of iterations, and the peak CUDA MiB of an epoch of (loop, ours) (None
    off CUDA)."""
    rng = np.random.default_rng(0)
    num_coarse = 14
    f2c = [c % num_coarse for c in range(args.classes)]
    lambdas, top_k = (1., 1e-3, 1e-2, 1e-1), 5
    torch.manual_seed(1)
    model = MODELS.build(dict(
        type='HAAN', feature_size=args.feature_size,
        encoded_feature_size=args.encoded, fine_to_coarse=f2c,
        dropout_rate=0., num_visual_concepts=args.concepts,
        loss=dict(loss_weights=lambdas, num_top_visual_concepts=top_k,
                  fine_to_coarse_pooling=args.pooling)))
    batches = make_batches(args, rng, num_coarse)
    labels = {n: rng.integers(0, args.concepts, int(t))
              for _, lens, s in batches
              for n, t in zip(s['video_names'], lens)}
    weights = torch.from_numpy(np.bincount(
        np.concatenate(list(labels.values())), minlength=args.concepts) /
        sum(len(v) for v in labels.values())).float()
    model.set_pseudo_labels(labels, weights)
    model.to(args.device).train()
    batches = to_device(batches, args.device)

    def batched_step(model, x, lens, samples):
        return sum(model(x, samples, mode='loss').values())

    def loop_step(model, x, lens, samples):
        return loop_losses(model, x[:, :int(lens.max())], lens, samples, f2c,
                           args.pooling, lambdas, top_k)

    steps = (loop_step, batched_step)
    first = [step(copy.deepcopy(model), *batches[0]).item()
             for step in steps]
    assert abs(first[0] - first[1]) <= 1e-5 * abs(first[0]), first
    times, losses = ([], []), ([], [])
    for _ in range(args.repeats):
        for i, step in enumerate(steps):
            t, loss = run_epoch(copy.deepcopy(model), batches, step)
            times[i].append(t / len(batches))
            losses[i].append(loss)
    diff = np.abs(np.array(losses[1]) - np.array(losses[0])).max()
    peaks = [cuda_peak_mib(lambda: run_epoch(copy.deepcopy(model), batches,
                                             step), args.device)
             for step in steps]
    return [float(np.median(t)) for t in times] + [diff, len(batches)] + \
        peaks


def main():
    args = parse_args()
    run = Run()
    if not args.table:
        t_loop, t_ours, diff, iters, *peaks = measure(args)
        print(f'HAAN epoch: {iters} iterations x batch {args.batch_size}, '
              f'device {args.device}: loop {t_loop:.3f} s/iter, ours '
              f'{t_ours:.3f} s/iter, {t_loop / t_ours:.1f}x; max loss '
              f'difference {diff:.2e}' + ('' if peaks[0] is None else
                                          f'; peak CUDA memory of an epoch: '
                                          f'loop {peaks[0]:.0f} MiB, ours '
                                          f'{peaks[1]:.0f} MiB'))
        write_json(args.json, dict(
            device=args.device, videos=args.videos,
            batch_size=args.batch_size, encoded=args.encoded,
            iterations=iters, repeats=args.repeats, loop_s_per_iter=t_loop,
            ours_s_per_iter=t_ours, max_loss_diff=float(diff),
            loop_peak_mib=peaks[0], ours_peak_mib=peaks[1]))
        return
    lines = ['| command | loop s/iter | ours s/iter | speed-up '
             '| max loss diff |', '|---|---|---|---|---|']
    for command, name in TABLE.items():
        t_loop, t_ours, diff, *_ = measure(parse_args(
            shlex.split(command) + ['--repeats', str(args.repeats),
                                    '--device', args.device]))
        lines.append(f'| `{command}` ({name}) | {t_loop:.3f} | {t_ours:.3f} '
                     f'| {t_loop / t_ours:.1f}x | {diff:.2e} |')
        print(lines[-1], flush=True)
    footer = (f'Device {args.device}; same weights, batches and '
              'pseudo-labels for both, dropout 0 so the losses must agree. ' +
              run.footer(args.repeats).replace('repeats', 'epochs each'))
    print(footer)
    write_table(args.out, 'HAAN training epoch: batched losses vs per-video '
                'loop', 'python benchmarks/haan_epoch.py --table', lines,
                footer)


if __name__ == '__main__':
    main()
