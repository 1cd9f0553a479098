"""PCAN head contract and parity with a loop reference written from the spec
(pcan.md 1.3-1.7), in float64 numpy, independent of the implementation."""
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mmaction2_ext.datasets.ma52_labels import MA52_ACTION_TO_BODY
from mmaction2_ext.models.heads import PCANHead
from mmaction2_ext.models.losses import HierProtoCalibration, TreeLoss

SMALL_MAP = (0, 0, 1, 1, 2, 2)  # 6 actions in 3 bodies: many TPs by chance


# --------------------------------------------------------------------------
# reference (spec equations, loops)
def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def ce(logits, y):
    return -math.log(softmax(logits)[y])


def topk_acc(z, y, k):
    return np.mean([y[b] in np.argsort(-z[b])[:k] for b in range(len(y))])


def unit(v):
    return v / (np.linalg.norm(v) + 1e-12)


def ref_calibration(f, y, z, memory, sets, scales):
    """Generic 1.4/1.5: ``sets`` = [(mask (B,K), push, ...)], TP first."""
    B, K = z.shape
    tp = sets[0]
    p = np.stack([softmax(z[b]) for b in range(B)])
    new = memory.copy()
    for k in range(K):
        n = tp[:, k].sum()
        if n > 0:
            mean = sum(tp[b, k] * f[b] for b in range(B)) / (n + 1e-12)
            new[:, k] = 0.9 * memory[:, k] + 0.1 * mean
    loss = np.zeros(B)
    for (mask, push), scale in zip(sets[1:], scales):
        for b in range(B):
            logits = np.zeros(K)
            for k in range(K):
                mem = unit(f[b]) @ unit(new[:, k])
                cen = sum(mask[i, k] * f[i] for i in range(B))
                s = unit(f[b]) @ unit(cen)
                s = (-s if push else s) - 1
                pmap = 0.125 * (1 - p[b, k]) * (y[b] == k)
                has = float(mask[:, k].sum() > 0)
                logits[k] = (mem + s * pmap * has) / 0.125
            loss[b] += ce(scale * logits, y[b])
    return loss.mean(), new


def ref_body_sets(y, z):
    B, K = z.shape
    tp, fn, fp = (np.zeros((B, K)) for _ in range(3))
    for b in range(B):
        pred = int(np.argmax(z[b]))
        if pred == y[b]:
            tp[b, pred] = 1
        else:
            fn[b, y[b]] = 1
            fp[b, pred] = 1
    return [tp, (fn, False), (fp, True)]


def ref_action_sets(yb, y, zb, z):
    B, K = z.shape
    tp, fn1, fn2, fn3, fp = (np.zeros((B, K)) for _ in range(5))
    for b in range(B):
        body_ok = int(np.argmax(zb[b])) == yb[b]
        pred = int(np.argmax(z[b]))
        if pred == y[b]:
            (tp if body_ok else fn2)[b, pred] = 1
        else:
            (fn1 if body_ok else fn3)[b, y[b]] = 1
            fp[b, pred] = 1
    return [tp, (fn1, False), (fn2, False), (fn3, False), (fp, True)]


def ref_diversity(P):
    K = P.shape[1]
    return math.sqrt(sum((unit(P[:, i]) @ unit(P[:, j])) ** 2
                         for i in range(K) for j in range(K)))


def ref_tree(zb, z, y, body_of):
    nb, K = zb.shape[1], z.shape[1]
    S = np.eye(nb + K)
    for a in range(K):
        S[nb + a, body_of[a]] = 1
    losses = []
    for b in range(len(y)):
        q = 1 / (1 + np.exp(-np.concatenate([zb[b], z[b]])))
        E = S @ q
        num = sum(np.exp(E[r]) for r in range(nb + K) if S[r, nb + y[b]] > 0)
        losses.append(-math.log(num / np.exp(E).sum()))
    return np.mean(losses)


def np64(t):
    return t.detach().double().numpy()


# --------------------------------------------------------------------------
def small_head(**kw):
    torch.manual_seed(0)
    head = PCANHead(num_classes=6, in_channels=(12, 8), action_to_body=SMALL_MAP,
                    body_h_channels=5, action_h_channels=7, dropout=0.0,
                    average_clips='prob', **kw)
    head.init_weights()
    with torch.no_grad():  # larger logits than init_std=0.01: varied sets
        for name in ('fc_rgb', 'fc_pose', 'fc_rgb_coarse', 'fc_pose_coarse'):
            getattr(head, name).weight.normal_(0, 0.5)
    return head


def samples(labels):
    return [ActionDataSample().set_gt_label(torch.tensor([int(y)]))
            for y in labels]


def test_official_head_keys_and_buffers(spec_keys_dir):
    head = PCANHead(num_classes=52, in_channels=(2048, 512))
    with open(osp.join(spec_keys_dir, 'pcan_head_keys.json')) as f:
        ref = json.load(f)
    sd = head.state_dict()
    assert {k: list(v.shape) for k, v in sd.items()} == ref
    assert list(sd) == list(ref)
    for name in ('fr_coarse_rgb', 'fr_coarse_pose'):
        net = getattr(head, name).spatio_cl_net
        assert dict(net.named_buffers())['avg_f'].shape == (128, 7)
        assert 'avg_f' in net._non_persistent_buffers_set
    assert not head.fr_rgb.spatio_cl_net.avg_f.requires_grad
    head.fr_coarse_rgb.spatio_cl_net.avg_f.fill_(3.)
    assert 'fr_coarse_rgb.spatio_cl_net.avg_f' not in head.state_dict()


def test_eval_scores_match_reference():
    head = small_head().eval()
    torch.manual_seed(1)
    x = (torch.randn(3, 12, 8, 2, 2), torch.randn(3, 8, 32, 2, 2))
    out = head(x)
    assert set(out) == {'rgb', 'pose', 'rgb_coarse', 'pose_coarse'}
    for name, feat, w in (('rgb', x[0], 5.), ('pose', x[1], 1.)):
        g = np64(feat).mean(axis=(2, 3, 4))  # global average pool
        fc = getattr(head, f'fc_{name}')
        net = getattr(head, f'fr_{name}').spatio_cl_net
        z = g @ np64(fc.weight).T + np64(fc.bias)
        e = g @ np64(net.cl_fc.weight).T + np64(net.cl_fc.bias)
        P = np64(net.avg_f)
        cos = np.array([[unit(e[b]) @ unit(P[:, k]) for k in range(6)]
                        for b in range(3)])
        np.testing.assert_allclose(np64(out[name]), z + w * cos, rtol=1e-5,
                                   atol=1e-5)
        fcc = getattr(head, f'fc_{name}_coarse')
        np.testing.assert_allclose(
            np64(out[f'{name}_coarse']),
            g @ np64(fcc.weight).T + np64(fcc.bias), rtol=1e-5, atol=1e-5)


def test_predict_needs_no_labels_and_averages_clips():
    head = small_head().eval()
    x = (torch.randn(4, 12, 8, 2, 2), torch.randn(4, 8, 32, 2, 2))
    data = [ActionDataSample(), ActionDataSample()]  # 2 samples x 2 clips
    out = head.predict(x, data)
    raw = head(x)
    for s_idx, sample in enumerate(out):
        for key in ('rgb', 'pose', 'rgb_coarse', 'pose_coarse'):
            probs = raw[key][2 * s_idx:2 * s_idx + 2].softmax(1).mean(0)
            torch.testing.assert_close(sample.pred_score[key], probs)


@pytest.mark.parametrize('steps', [2])
def test_training_losses_match_reference(steps):
    head = small_head().train()
    memories = {n: np64(getattr(head, n).spatio_cl_net.avg_f) for n in
                ('fr_coarse_rgb', 'fr_coarse_pose', 'fr_rgb', 'fr_pose')}
    gen = torch.Generator().manual_seed(3)
    for _ in range(steps):
        B = 8
        x = (torch.randn(B, 12, 8, 3, 3, generator=gen),
             torch.randn(B, 8, 32, 3, 3, generator=gen))
        y = torch.randint(0, 6, (B,), generator=gen).numpy()
        losses = head.loss(x, samples(y))
        yb = np.array([SMALL_MAP[a] for a in y])
        expected = {}
        for name, feat in zip(('rgb', 'pose'), x):
            g = np64(feat).mean(axis=(2, 3, 4))
            fc, fcc = getattr(head, f'fc_{name}'), getattr(head, f'fc_{name}_coarse')
            z = g @ np64(fc.weight).T + np64(fc.bias)
            zb = g @ np64(fcc.weight).T + np64(fcc.bias)
            expected[f'{name}_loss_cls'] = np.mean([ce(z[b], y[b]) for b in range(B)])
            expected[f'{name}_top1_acc'] = topk_acc(z, y, 1)
            expected[f'{name}_top5_acc'] = topk_acc(z, y, 5)
            expected[f'{name}_coarse_loss_cls'] = np.mean(
                [ce(zb[b], yb[b]) for b in range(B)])
            expected[f'{name}_coarse_top1_acc'] = topk_acc(zb, yb, 1)
            # calibration input: spatial max of the temporal mean
            pooled = np64(feat).mean(axis=2).max(axis=(2, 3))
            body_net = getattr(head, f'fr_coarse_{name}').spatio_cl_net
            f = pooled @ np64(body_net.cl_fc.weight).T + np64(body_net.cl_fc.bias)
            loss, memories[f'fr_coarse_{name}'] = ref_calibration(
                f, yb, zb, memories[f'fr_coarse_{name}'], ref_body_sets(yb, zb),
                (1., 1.))
            expected[f'{name}_fr_coarse_loss'] = loss / 5
            act_net = getattr(head, f'fr_{name}').spatio_cl_net
            f = pooled @ np64(act_net.cl_fc.weight).T + np64(act_net.cl_fc.bias)
            loss, memories[f'fr_{name}'] = ref_calibration(
                f, y, z, memories[f'fr_{name}'], ref_action_sets(yb, y, zb, z),
                (1., .1, .5, 1.))
            expected[f'{name}_fr_loss'] = (
                loss + ref_diversity(memories[f'fr_{name}'])) / 5
            expected[f'hierarchy_{name}_loss'] = ref_tree(zb, z, y, SMALL_MAP)
        for key, value in expected.items():
            assert float(losses[key]) == pytest.approx(value, rel=1e-4, abs=1e-5), key
        for name, memory in memories.items():
            np.testing.assert_allclose(
                np64(getattr(head, name).spatio_cl_net.avg_f), memory,
                rtol=1e-5, atol=1e-6)
    loss_keys = [k for k in losses if 'loss' in k]
    assert loss_keys == [
        'rgb_loss_cls', 'rgb_coarse_loss_cls', 'pose_loss_cls',
        'pose_coarse_loss_cls', 'rgb_fr_coarse_loss', 'pose_fr_coarse_loss',
        'rgb_fr_loss', 'pose_fr_loss', 'hierarchy_rgb_loss',
        'hierarchy_pose_loss']


def test_diversity_term_sends_no_gradient_by_default():
    y = torch.tensor([0, 1, 2, 3, 4, 5])
    yb = torch.tensor(SMALL_MAP)
    z, zb = 5 * torch.eye(6), 5 * torch.eye(3)[yb]  # every sample a TP

    def grads(**kw):
        torch.manual_seed(0)
        calib = HierProtoCalibration(4, 6, 3, n_body=3, **kw)
        feat = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
        calib(feat, yb, y, zb, z).backward()
        plain = calib.avg_f.detach().clone()
        return calib.cl_fc.weight.grad.clone(), calib.diversity(plain)

    faithful, d = grads()
    fixed, _ = grads(diversity_grad=True)
    assert float(d) > math.sqrt(6)  # non-orthogonal prototypes: D matters
    # The fix routes D through the fresh TP means into cl_fc; upstream does not.
    assert not torch.allclose(faithful, fixed)


def test_tree_loss_is_minus_log_softmax_at_true_state():
    # spec 1.6: only row num_body + y contains column num_body + y
    zb, z = torch.randn(4, 7), torch.randn(4, 52)
    y = torch.tensor([0, 7, 30, 51])
    loss = TreeLoss(MA52_ACTION_TO_BODY, 7)(zb, z, y)
    q = torch.cat([zb.sigmoid(), z.sigmoid()], 1).double()
    expected = []
    for b in range(4):
        energies = q[b].clone()
        energies[7:] += q[b, torch.tensor(MA52_ACTION_TO_BODY)]
        expected.append(-energies.log_softmax(0)[7 + y[b]])
    assert float(loss) == pytest.approx(float(torch.stack(expected).mean()), rel=1e-6)


def test_rectify_pool_fix_uses_training_pooling():
    head = small_head(rectify_pool='tmean_max').eval()
    x = (torch.randn(2, 12, 8, 3, 3), torch.randn(2, 8, 32, 3, 3))
    base = head(x)
    pooled = x[0].mean(2).amax((2, 3))
    net = head.fr_rgb.spatio_cl_net
    cos = torch.cosine_similarity(net.cl_fc(pooled)[:, None], net.avg_f.t()[None], 2)
    fc = x[0].mean((2, 3, 4)) @ head.fc_rgb.weight.t() + head.fc_rgb.bias
    torch.testing.assert_close(base['rgb'], fc + 5 * cos)
