"""One HAAN training epoch: our batched losses against a faithful per-video
loop of the same losses (upstream's structure: loops over videos, clusters,
classes, coarse classes), same weights, same batches, one run.

    python benchmarks/haan_epoch.py                 # FineGym sizes, d=512
    python benchmarks/haan_epoch.py --encoded 2048  # the full FineGym model
    python benchmarks/haan_epoch.py --device cuda --videos 200

Dropout is set to 0 in both so the per-iteration losses must agree (the two
paths draw dropout masks in a different order); it does not change the cost.
"""
import argparse
import copy
import os.path as osp
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmaction.registry import MODELS  # noqa: E402
import mmaction2_ext  # noqa: E402,F401


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


def main():
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
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    num_coarse = 14
    f2c = [c % num_coarse for c in range(args.classes)]
    lambdas, top_k = (1., 1e-3, 1e-2, 1e-1), 5
    torch.manual_seed(1)
    ours = MODELS.build(dict(
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
    ours.set_pseudo_labels(labels, weights)
    ours.to(args.device)
    batches = to_device(batches, args.device)
    loop = copy.deepcopy(ours)
    ours.train(), loop.train()

    def batched_step(model, x, lens, samples):
        return sum(model(x, samples, mode='loss').values())

    def loop_step(model, x, lens, samples):
        return loop_losses(model, x[:, :int(lens.max())], lens, samples, f2c,
                           args.pooling, lambdas, top_k)

    t_loop, l_loop = run_epoch(loop, batches, loop_step)
    t_ours, l_ours = run_epoch(ours, batches, batched_step)
    diff = np.abs(l_ours - l_loop).max()
    rel = (np.abs(l_ours - l_loop) / np.abs(l_loop)).max()
    print(f'HAAN epoch: {len(batches)} iterations x batch {args.batch_size}, '
          f'<= {args.max_clips} clips, D={args.feature_size}, '
          f'd={args.encoded}, C={args.classes}, K={args.concepts}, '
          f'device {args.device}, torch threads {torch.get_num_threads()}')
    print('| implementation | epoch (s) | s / iter | speed-up |')
    print('|---|---|---|---|')
    print(f'| per-video loop (upstream structure) | {t_loop:.2f} | '
          f'{t_loop / len(batches):.3f} | 1.0x |')
    print(f'| ours (batched) | {t_ours:.2f} | {t_ours / len(batches):.3f} | '
          f'{t_loop / t_ours:.1f}x |')
    print(f'losses over the epoch: max |ours - loop| = {diff:.2e} '
          f'(max relative {rel:.2e}), first loss {l_ours[0]:.6f}')


if __name__ == '__main__':
    main()
