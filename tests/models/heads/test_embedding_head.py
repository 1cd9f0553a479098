"""I3DEmbHead against the MiGA spec (§1.3-1.5), with references written from the
equations: f = mean over (T, H, W); s = W_c f + b_c; e = W_e f + b_e;
L = mean_i CE(s_i, y_i) + 20 * sum_ij (e_ij - g_{y_i j})^2 / (N * 300)."""
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config
from mmengine.registry import init_default_scope

from mmaction2_ext.utils import DataError

JOINT_CFG = 'configs/miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py'


def _samples(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


def _head(vectors=None, **kw):
    cfg = dict(type='I3DEmbHead', in_channels=512, num_classes=32,
               dropout_ratio=0.5, average_clips='prob', class_vectors=vectors)
    cfg.update(kw)
    head = MODELS.build(cfg)
    head.init_weights()
    # larger weights than the N(0, 0.01) init so the loss terms are not tiny
    torch.manual_seed(1)
    for p in head.parameters():
        p.data.normal_(0, 0.05)
    return head


def _reference(head, x, labels, table):
    """Loss terms by loops in float64, straight from the spec equations."""
    x = x.double().numpy()
    wc = head.fc_cls.weight.detach().double().numpy()
    bc = head.fc_cls.bias.detach().double().numpy()
    we = head.emb_fc.weight.detach().double().numpy()
    be = head.emb_fc.bias.detach().double().numpy()
    n, c = x.shape[:2]
    ce, sq = 0.0, 0.0
    scores = []
    for i in range(n):
        f = [x[i, k].sum() / x[i, k].size for k in range(c)]
        s = [sum(wc[j, k] * f[k] for k in range(c)) + bc[j]
             for j in range(wc.shape[0])]
        e = [sum(we[j, k] * f[k] for k in range(c)) + be[j]
             for j in range(we.shape[0])]
        top = max(s)
        ce += top + math.log(sum(math.exp(v - top) for v in s)) - s[labels[i]]
        sq += sum((e[j] - float(table[labels[i], j])) ** 2
                  for j in range(len(e)))
        scores.append(s)
    ce /= n
    mse = sq / (n * we.shape[0])
    return np.array(scores), ce, mse


@pytest.fixture
def vectors(tmp_path):
    table = np.random.default_rng(0).normal(0, 0.3, (32, 300)).astype(
        np.float32)
    path = str(tmp_path / 'vectors.npy')
    np.save(path, table)
    return path, table


def test_head_is_joint_config_cls_head_with_official_keys(repo_root,
                                                          upstream_dir):
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(repo_root, JOINT_CFG))
    assert cfg.model.cls_head.type == 'I3DEmbHead'
    head = MODELS.build(cfg.model.cls_head)
    shared = osp.dirname(osp.dirname(upstream_dir))
    with open(osp.join(shared, 'specs', 'keys', 'miga_head_keys.json')) as f:
        keys = json.load(f)
    assert {k: list(v.shape) for k, v in head.state_dict().items()} == keys
    assert list(head.state_dict()) == list(keys)
    # an official-shaped head state dict loads strictly (no table buffer)
    head.load_state_dict({k: torch.zeros(v) for k, v in keys.items()},
                         strict=True)


def test_init_weights():
    head = MODELS.build(dict(type='I3DEmbHead', in_channels=512,
                             num_classes=32))
    head.init_weights()
    for fc in (head.fc_cls, head.emb_fc):
        assert abs(fc.weight.std().item() - 0.01) < 0.001
        assert torch.count_nonzero(fc.bias) == 0


def test_eval_forward_returns_class_scores(vectors):
    head = _head(vectors[0]).eval()
    x = torch.randn(3, 512, 2, 3, 3)
    scores = head(x)
    ref, _, _ = _reference(head, x, [0, 0, 0], vectors[1])
    assert isinstance(scores, torch.Tensor) and scores.shape == (3, 32)
    np.testing.assert_allclose(scores.detach().numpy(), ref, rtol=1e-4,
                               atol=1e-5)


def test_loss_matches_spec(vectors):
    head = _head(vectors[0]).eval()
    x = torch.randn(4, 512, 2, 3, 3)
    labels = [3, 31, 0, 3]
    losses = head.loss(x, _samples(labels))
    _, ce, mse = _reference(head, x, labels, vectors[1])
    assert losses['loss_cls'].item() == pytest.approx(ce + 20 * mse,
                                                      rel=1e-5)
    assert losses['emb_mse'].item() == pytest.approx(mse, rel=1e-5)
    assert set(losses) == {'loss_cls', 'emb_mse', 'top1_acc', 'top5_acc'}
    # mmengine sums only keys containing 'loss': the total is CE + 20 MSE once
    from mmengine.model import BaseModel
    total, _ = BaseModel.parse_losses(None, losses)
    assert total.item() == pytest.approx(ce + 20 * mse, rel=1e-5)


def test_embedding_is_taken_before_dropout(vectors):
    head = _head(vectors[0], dropout_ratio=0.9).train()
    x = torch.randn(4, 512, 2, 3, 3)
    labels = [1, 2, 3, 4]
    _, ce, mse = _reference(head, x, labels, vectors[1])
    torch.manual_seed(0)
    losses = head.loss(x, _samples(labels))
    assert losses['emb_mse'].item() == pytest.approx(mse, rel=1e-5)
    # dropout does act on the classifier branch
    assert losses['loss_cls'].item() != pytest.approx(ce + 20 * mse,
                                                      rel=1e-3)


def test_loss_gradients_reach_both_branches(vectors):
    head = _head(vectors[0])
    head.loss(torch.randn(2, 512, 1, 2, 2), _samples([5, 6]))['loss_cls'] \
        .backward()
    assert head.emb_fc.weight.grad.abs().sum() > 0
    assert head.fc_cls.weight.grad.abs().sum() > 0


def test_official_vectors_work_as_is(upstream_dir):
    path = osp.join(upstream_dir, 'miga', 'tools', 'glove', 'Vectors.npy')
    head = _head(path).eval()
    x = torch.randn(2, 512, 1, 2, 2)
    losses = head.loss(x, _samples([0, 31]))
    _, ce, mse = _reference(head, x, [0, 31], np.load(path))
    assert losses['loss_cls'].item() == pytest.approx(ce + 20 * mse,
                                                      rel=1e-5)


def test_predict_averages_softmax_over_clips_and_ignores_embedding(vectors):
    head = _head(vectors[0]).eval()
    x = torch.randn(2 * 3, 512, 1, 2, 2)  # 2 videos x 3 clips
    ref, _, _ = _reference(head, x, [0] * 6, vectors[1])
    prob = np.exp(ref - ref.max(1, keepdims=True))
    prob /= prob.sum(1, keepdims=True)
    expected = prob.reshape(2, 3, 32).mean(1)
    with torch.no_grad():
        out = head.predict(x, _samples([0, 1]))
    got = np.stack([ds.pred_score.numpy() for ds in out])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def test_bad_class_vectors(tmp_path):
    x = torch.randn(2, 512, 1, 2, 2)
    with pytest.raises(DataError, match='missing.npy'):
        _head(str(tmp_path / 'missing.npy')).loss(x, _samples([0, 1]))
    bad = str(tmp_path / 'bad.npy')
    np.save(bad, np.zeros((31, 300), np.float32))
    with pytest.raises(DataError, match=r'bad.npy.*\(32, 300\)'):
        _head(bad).loss(x, _samples([0, 1]))
    with pytest.raises(ValueError, match='class_vectors'):
        _head(None).loss(x, _samples([0, 1]))
    # inference needs no class vectors at all
    assert _head(None).eval()(x).shape == (2, 32)
