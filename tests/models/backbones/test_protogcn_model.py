"""ProtoGCN model contract and parity with the spec's equations.

The references below are written from ../shared/specs/protogcn.md sections
1.4-1.8 with explicit loops / plain functional ops, reading only the weights
of the model under test.
"""
import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmaction2_ext.models.utils import Graph
from helpers import assert_official_keys

# a 5-joint toy skeleton keeps the loop references fast
TOY = dict(num_node=5, inward=[(1, 0), (2, 1), (3, 1), (4, 0)], center=0)


def build(cfg):
    init_default_scope('mmaction')
    return MODELS.build(cfg)


def tiny_model(num_classes=5, layout=TOY, prototypes=7, weight=0.2):
    torch.manual_seed(0)
    np.random.seed(0)
    model = build(dict(
        type='RecognizerGCN',
        backbone=dict(type='ProtoGCN', base_channels=16, num_stages=4,
                      inflate_stages=[3], down_stages=[3], prn_dim=32,
                      num_prototype=prototypes,
                      graph_cfg=dict(layout=layout, mode='random',
                                     num_filter=8, init_off=.04,
                                     init_std=.02)),
        cls_head=dict(type='ProtoGCNHead',
                      joint_cfg=layout if isinstance(layout, str) else 25,
                      num_classes=num_classes, in_channels=32,
                      weight=weight)))
    # non-trivial values everywhere the init leaves zeros / identities
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(('alpha', 'beta', 'add_coeff')):
                p.copy_(torch.randn(p.shape, generator=g))
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
    return model


# ---------------------------------------------------------------- references
def bn(x, mod):
    """Eval-mode BN over dim 1 from the module's stats."""
    shape = [1, -1] + [1] * (x.dim() - 2)
    return ((x - mod.running_mean.view(shape)) /
            torch.sqrt(mod.running_var.view(shape) + mod.eps) *
            mod.weight.view(shape) + mod.bias.view(shape))


def conv1x1(x, conv, stride=1):
    return F.conv2d(x, conv.weight, conv.bias, stride=(stride, 1))


def ref_gcn(x, m):
    """Spec 1.4 with loops over subsets, channels and joints."""
    n, _, t, v = x.shape
    K, mid = m.A.shape[0], m.mid_channels
    res = bn(conv1x1(x, m.down[0]), m.down[1]) if hasattr(m.down, '__len__') \
        else x
    P = F.relu(bn(conv1x1(x, m.pre[0]), m.pre[1])).view(n, K, mid, t, v)
    Q1 = conv1x1(x, m.conv1).view(n, K, mid, t, v).mean(3)
    Q2 = conv1x1(x, m.conv2).view(n, K, mid, t, v).mean(3)
    Y = torch.zeros(n, K, mid, t, v)
    G = torch.zeros(n, K, mid, v, v)
    for b in range(n):
        for k in range(K):
            S = torch.zeros(v, v)
            for i in range(v):
                for j in range(v):
                    S[i, j] = sum(Q1[b, k, c, i] * Q2[b, k, c, j]
                                  for c in range(mid))
            intra = m.beta[0] * torch.softmax(S, dim=0)  # over i
            for c in range(mid):
                inter = torch.empty(v, v)
                for i in range(v):
                    for j in range(v):
                        inter[i, j] = m.alpha[0] * math.tanh(
                            Q1[b, k, c, i] - Q2[b, k, c, j])
                G[b, k, c] = inter + intra
                full = m.A[k] + inter + intra
                for j in range(v):
                    Y[b, k, c, :, j] = sum(P[b, k, c, :, i] * full[i, j]
                                           for i in range(v))
    out = bn(conv1x1(Y.view(n, K * mid, t, v), m.post), m.bn)
    return F.relu(out + res), G.view(n, K * mid, v, v)


def ref_tcn(x, m, stride):
    n, c, t, v = x.shape
    xe = torch.cat([x, x.mean(-1, keepdim=True)], -1)
    outs = []
    for d, br in zip((1, 2, 3, 4), list(m.branches)[:4]):
        h = F.relu(bn(conv1x1(xe, br[0]), br[1]))
        outs.append(F.conv2d(h, br[3].conv.weight, br[3].conv.bias,
                             stride=(stride, 1), padding=(d, 0),
                             dilation=(d, 1)))
    h = F.relu(bn(conv1x1(xe, m.branches[4][0]), m.branches[4][1]))
    outs.append(F.max_pool2d(h, (3, 1), (stride, 1), (1, 0)))
    outs.append(conv1x1(xe, m.branches[5], stride))
    out = torch.cat(outs, 1)
    feat = out[..., :v].clone()
    for j in range(v):
        feat[..., j] += out[..., v] * m.add_coeff[j]
    feat = F.relu(bn(feat, m.transform[0]))
    return bn(conv1x1(feat, m.transform[2]), m.bn)


def ref_backbone(x, bb):
    N, M, T, V, C = x.shape
    h = x.permute(0, 1, 3, 4, 2).reshape(N * M, V * C, T)  # channel v*C + c
    h = bn(h, bb.data_bn).view(N, M, V, C, T).permute(0, 1, 3, 4, 2)
    h = h.reshape(N * M, C, T, V)
    for blk in bb.gcn:
        stride = blk.tcn.branches[5].stride[0]
        if blk.residual is None:
            res = 0
        elif isinstance(blk.residual, torch.nn.Identity):
            res = h
        else:
            res = bn(conv1x1(h, blk.residual.conv, stride), blk.residual.bn)
        y, G = ref_gcn(h, blk.gcn)
        h = F.relu(ref_tcn(y, blk.tcn, stride) + res)
    feat = h.view((N, M) + h.shape[1:])
    Cg = G.shape[1]
    G = G.view(N, M, Cg, V * V).mean(1)
    Z = torch.zeros(N, Cg, V * V)
    Wq, Wm = bb.prn.query_matrix.weight, bb.prn.memory_matrix.weight
    for b in range(N):
        for pos in range(V * V):
            q = torch.softmax(Wq @ G[b, :, pos], 0)
            Z[b, :, pos] = Wm @ q
    Z = F.relu(bn(conv1x1(Z.view(N, Cg, V, V), bb.post), bb.bn))
    return feat, Z.mean(1).view(N, V * V)


def ref_csc(csc, g, y, logits, memory):
    """Spec 1.8 per class / per sample; returns (loss, new memory)."""
    h = g @ csc.cl_fc.weight.t() + csc.cl_fc.bias
    prob = logits.softmax(1)
    B, K = logits.shape
    new = memory.clone()
    for k in range(K):
        members = [b for b in range(B) if y[b] == k and
                   logits[b].argmax() == k and prob[b, k] > 0]
        if members:
            fbar = sum(h[b] for b in members) / (len(members) + 1e-12)
            new[:, k] = 0.9 * memory[:, k] + 0.1 * fbar
    loss = 0
    for b in range(B):
        hn = h[b] / (h[b].norm() + 1e-12)
        s = torch.stack([hn @ (new[:, k] / (new[:, k].norm() + 1e-12)) / 0.125
                         for k in range(K)])
        loss = loss - torch.log_softmax(s, 0)[y[b]]
    return loss / B, new


# -------------------------------------------------------------------- tests
def test_official_keys_and_shapes(repo_root, spec_keys_dir):
    cfg = Config.fromfile(osp.join(repo_root,
                                   'configs/protogcn/ntu60_xsub/j.py'))
    model = build(cfg.model)
    assert_official_keys(model, osp.join(spec_keys_dir,
                                         'protogcn_ntu60_xsub_j_keys.json'))
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 4344860
    # the class memory is a buffer that is not saved
    assert 'csc_loss.avg_f' in dict(model.cls_head.named_buffers())
    assert model.cls_head.csc_loss.avg_f.shape == (256, 60)


def test_random_graph_draws_numpy_rng():
    np.random.seed(3)
    expect = np.random.randn(8, 20, 20) * 0.02 + 0.04
    np.random.seed(3)
    A = Graph('coco_new', 'random', num_filter=8, init_std=.02,
              init_off=.04).A
    np.testing.assert_array_equal(A, expect)


def test_backbone_matches_spec_equations():
    model = tiny_model().eval()
    x = torch.randn(2, 2, 6, 5, 3)
    with torch.no_grad():
        feat, graph = model.backbone(x)
        ref_feat, ref_graph = ref_backbone(x, model.backbone)
    assert feat.shape == (2, 2, 32, 3, 5) and graph.shape == (2, 25)
    torch.testing.assert_close(feat, ref_feat, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(graph, ref_graph, rtol=1e-4, atol=1e-6)
    # every block starts from the same random A, as separate parameters
    A = [blk.gcn.A for blk in model.backbone.gcn]
    assert A[0] is not A[1]


@pytest.mark.parametrize('layout,V', [('coco_new', 20), ('nturgb+d', 25)])
def test_layout_shapes(layout, V):
    model = tiny_model(layout=layout).eval()
    feat, graph = model.backbone(torch.randn(1, 2, 4, V, 3))
    assert feat.shape == (1, 2, 32, 2, V) and graph.shape == (1, V * V)
    assert model.cls_head.csc_loss.cl_fc.in_features == V * V


def samples(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


def test_head_logits_and_loss_match_spec():
    model = tiny_model(num_classes=3)
    head = model.cls_head
    N = 6
    feat = torch.randn(N, 2, 32, 3, 5)
    graph = torch.randn(N, 25)
    # logits: mean over T, V then persons, then fc_cls
    logits = head((feat, graph))
    pooled = torch.stack([feat[b].mean(dim=(2, 3)).mean(0) for b in range(N)])
    torch.testing.assert_close(
        logits, pooled @ head.fc_cls.weight.t() + head.fc_cls.bias)
    # make some samples correctly classified so the memory moves
    labels = logits.argmax(1).clone()
    labels[0] = (labels[0] + 1) % 3
    memory0 = head.csc_loss.avg_f.clone()
    losses = head.loss((feat, graph), samples(labels))
    ref_loss, ref_mem = ref_csc(head.csc_loss, graph, labels,
                                logits.detach(), memory0)
    ce = F.cross_entropy(logits, labels)
    torch.testing.assert_close(losses['loss_cls'], ce + 0.2 * ref_loss)
    torch.testing.assert_close(losses['csc'], ref_loss.detach())
    torch.testing.assert_close(losses['ce'], ce.detach())
    torch.testing.assert_close(head.csc_loss.avg_f, ref_mem)
    assert not torch.equal(ref_mem, memory0)
    # logged parts must not be counted again by parse_losses
    total, log = model.parse_losses(losses)
    torch.testing.assert_close(total, losses['loss_cls'])


def test_csc_memory_keeps_absent_classes_and_passes_gradient():
    model = tiny_model(num_classes=4)
    csc = model.cls_head.csc_loss
    g = torch.randn(4, 25, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    logits = torch.full((4, 4), -5.)
    logits[0, 0] = logits[1, 2] = logits[2, 1] = logits[3, 3] = 5.
    before = csc.avg_f.clone()
    loss = csc(g, labels, logits)
    # class 0 (sample 0) and class 1 (sample 2) update; 2, 3 keep memory
    torch.testing.assert_close(csc.avg_f[:, 2:], before[:, 2:])
    assert not torch.allclose(csc.avg_f[:, :2], before[:, :2])
    loss.backward()
    assert g.grad.abs().sum() > 0
    # the memory carries gradient into correctly classified samples only
    g2 = torch.randn(4, 25, requires_grad=True)
    csc.avg_f.copy_(before)
    h_only = csc.cl_fc(g2).detach()
    mem = csc.update_memory(csc.cl_fc(g2), csc.correct_mask(labels, logits))
    mem.sum().backward()
    assert g2.grad[0].abs().sum() > 0 and g2.grad[2].abs().sum() > 0
    assert g2.grad[1].abs().sum() == 0 and g2.grad[3].abs().sum() == 0
    assert h_only.shape == (4, 256)


def test_recognizer_train_and_test_modes():
    model = tiny_model(num_classes=3)
    x = torch.randn(2, 1, 2, 6, 5, 3)
    losses = model(x, samples([0, 2]), mode='loss')
    assert {'loss_cls', 'ce', 'csc', 'top1_acc'} <= set(losses)
    losses['loss_cls'].backward()
    model.eval()
    x = torch.randn(2, 3, 2, 6, 5, 3)  # 3 clips per sample
    with torch.no_grad():
        out = model(x, samples([0, 1]), mode='predict')
        logits = model.cls_head(model.backbone(x.view(6, 2, 6, 5, 3)))
    expect = logits.softmax(-1).view(2, 3, 3).mean(1)  # average_clips='prob'
    torch.testing.assert_close(torch.stack([o.pred_score for o in out]),
                               expect)


def test_avg_f_not_in_checkpoint_and_bad_layout():
    model = tiny_model()
    assert not any('avg_f' in k for k in model.state_dict())
    with pytest.raises(ValueError, match='joint_cfg'):
        build(dict(type='ProtoGCNHead', num_classes=3, in_channels=8,
                   joint_cfg='openpose'))
