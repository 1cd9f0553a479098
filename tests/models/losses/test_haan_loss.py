"""HAAN's batched losses against a per-video reference written from spec 2.2
(loops over classes, clusters and videos; plain torch ops)."""
import json

import pytest
import torch
import torch.nn.functional as F

from mmaction.registry import MODELS


def reference_video_loss(h, s, q, W, y, w, p, pi, yc, wc, f2c, K, top_k,
                         pooling, coarse_fn, lambdas):
    """One video, T = its clips: h (T,d) s (T,C) q (T,K) p (T,)."""
    T, C = s.shape
    # L_mil: mean of clips at or above each class's temporal mean
    agg = torch.stack([s[:, c][s[:, c] >= s[:, c].mean()].mean()
                       for c in range(C)])
    l_mil = F.binary_cross_entropy_with_logits(agg, y, weight=w)
    # L_pseudo: weighted-mean CE, divided again by T
    l_pseudo = F.cross_entropy(q, p, weight=pi) / T
    # visual concepts
    V = torch.stack([h[p == k].mean(0) if (p == k).any()
                     else torch.zeros(h.shape[1]) for k in range(K)])
    reps = []
    for c in range(C):
        sim = torch.stack([F.cosine_similarity(W[c], V[k], dim=0)
                           for k in range(K)]).detach()
        top = torch.topk(sim, top_k).indices
        reps.append(sum(V[k] for k in top.tolist()) / top_k)
    R = torch.stack(reps)
    G = max(f2c) + 1
    U = []
    for g in range(G):
        members = R[[c for c in range(C) if f2c[c] == g]]
        U.append(members.mean(0) if pooling == 'mean' else members.max(0)[0])
    U = torch.stack(U)
    dist = 1 - F.cosine_similarity(W, R, dim=1)
    l_concept = dist[y.bool()].sum() / y.sum()
    l_coarse = F.binary_cross_entropy_with_logits(coarse_fn(U).squeeze(1),
                                                  yc, weight=wc)
    return [lam * v for lam, v in zip(lambdas, (l_mil, l_pseudo, l_concept,
                                                l_coarse))]


@pytest.mark.parametrize('pooling', ['mean', 'max'])
def test_batched_losses_match_per_video_reference(pooling):
    torch.manual_seed(0)
    f2c = [0, 0, 1, 2, 1, 2, 2]
    C, G, K, d, D, top_k = len(f2c), 3, 6, 8, 5, 3
    lambdas = (1., .001, .01, .1)
    model = MODELS.build(dict(
        type='HAAN', feature_size=D, encoded_feature_size=d,
        fine_to_coarse={str(i): g for i, g in enumerate(f2c)},
        dropout_rate=0.5, num_visual_concepts=K,
        loss=dict(loss_weights=lambdas, num_top_visual_concepts=top_k,
                  fine_to_coarse_pooling=pooling)))
    model.eval()  # dropout off so both paths see the same activations
    seq_lens = torch.tensor([7, 3, 5])
    B, T = 3, 7
    x = torch.randn(B, T, D)
    y = (torch.rand(B, C) > .5).float()
    y[:, 0] = 1
    yc = torch.zeros(B, G)
    for b in range(B):
        for c in range(C):
            if y[b, c]:
                yc[b, f2c[c]] = 1
    w, wc = torch.rand(B, C) + .5, torch.rand(B, G) + .5
    pi = torch.rand(K) + .1
    names = ['a', 'b', 'c']
    labels = {n: torch.randint(0, K, (int(t),)).numpy()
              for n, t in zip(names, seq_lens)}
    model.set_pseudo_labels(labels, pi)
    samples = dict(seq_lens=seq_lens, video_names=names, fine_labels=y,
                   fine_weights=w, coarse_labels=yc, coarse_weights=wc)
    params = dict(model.named_parameters())
    losses = model(x, samples, mode='loss')
    total = sum(losses.values())
    grads = torch.autograd.grad(total, list(params.values()))

    enc = model.encoder(x)[1]
    h_all, s_all = model.fine_level_classifier(enc)
    q_all = model.pseudo_label_classifier(enc)[1]
    W = model.fine_level_classifier.out_layer.weight.detach()
    ref = [0., 0., 0., 0.]
    for b, n in enumerate(names):
        t = int(seq_lens[b])
        parts = reference_video_loss(
            h_all[b, :t], s_all[b, :t], q_all[b, :t], W, y[b], w[b],
            torch.from_numpy(labels[n]).long(), pi, yc[b], wc[b], f2c, K,
            top_k, pooling, lambda u: model.coarse_level_classifier(u)[1],
            lambdas)
        ref = [r + v for r, v in zip(ref, parts)]
    for key, r in zip(('loss_mil', 'loss_pseudo', 'loss_concept',
                       'loss_coarse'), ref):
        torch.testing.assert_close(losses[key], r, rtol=1e-5, atol=1e-7)
        assert r.item() != 0
    ref_grads = torch.autograd.grad(sum(ref), list(params.values()))
    for name, g, rg in zip(params, grads, ref_grads):
        torch.testing.assert_close(g, rg, rtol=1e-4, atol=1e-6, msg=name)


def test_pseudo_labels_are_required():
    model = MODELS.build(dict(type='HAAN', feature_size=4,
                              encoded_feature_size=4,
                              fine_to_coarse=[0, 1], num_visual_concepts=3))
    samples = dict(seq_lens=torch.tensor([2]), video_names=['v'],
                   fine_labels=torch.ones(1, 2),
                   fine_weights=torch.ones(1, 2),
                   coarse_labels=torch.ones(1, 2),
                   coarse_weights=torch.ones(1, 2))
    with pytest.raises(RuntimeError, match='HAANPseudoLabelHook'):
        model(torch.zeros(1, 2, 4), samples, mode='loss')


def test_official_keys_and_shapes(upstream_dir, spec_keys_dir):
    import os.path as osp
    for ds, (D, d, name) in dict(finegym=(2048, 2048, 'FineGym'),
                                 fineaction=(4096, 1024, 'FineAction')).items():
        with open(osp.join(spec_keys_dir, f'haan_{ds}_keys.json')) as f:
            keys = json.load(f)
        model = MODELS.build(dict(
            type='HAAN', feature_size=D, encoded_feature_size=d,
            fine_to_coarse=osp.join(upstream_dir, 'haan', 'dataset', name,
                                    'fine_to_coarse_mappings.json')))
        expected = {f'{m}.{k}': v for m, sub in keys.items() if m != '_meta'
                    for k, v in sub.items()}
        assert {k: list(v.shape) for k, v in model.state_dict().items()} \
            == expected
