"""Training-mode branches (other tests run in eval): dropout draws differ
across seeds and repeat with one seed; with the rates at 0, train equals
eval (BatchNorm kept on its running statistics)."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from helpers import train_without_bn_stats

TINY_PROTOGCN = 'configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py'



def set_dropout(model, p):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = p


def outputs(model, x, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        out = model(x)
    return out if isinstance(out, (tuple, list)) else (out, )


def check_train_mode(model, x):
    """Train: seed-dependent, reproducible; eval and rate-0 train agree."""
    train_without_bn_stats(model)
    same = zip(outputs(model, x, 1), outputs(model, x, 1))
    assert all(torch.equal(a, b) for a, b in same)
    differ = zip(outputs(model, x, 1), outputs(model, x, 2))
    assert not all(torch.allclose(a, b) for a, b in differ)
    model.eval()
    expected = outputs(model, x, 3)
    set_dropout(model, 0.)
    train_without_bn_stats(model)
    for a, b in zip(outputs(model, x, 4), expected):
        torch.testing.assert_close(a, b)


def test_protogcn_prototype_dropout(repo_root):
    """The PRN's Dropout(0.1) (protogcn.md 1.6) acts in training only."""
    cfg = Config.fromfile(osp.join(repo_root, TINY_PROTOGCN))
    torch.manual_seed(0)
    backbone = MODELS.build(cfg.model.backbone)
    assert backbone.prn.dropout.p == 0.1
    check_train_mode(backbone, torch.randn(2, 2, 8, 25, 3))


def test_haan_clip_mlp_dropout():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='HAAN', feature_size=6,
                              encoded_feature_size=5,
                              fine_to_coarse=[0, 0, 1], dropout_rate=0.5,
                              num_visual_concepts=3))
    x = torch.randn(2, 4, 6)
    check_train_mode(lambda_module(model, lambda m, t: m(t, {})), x)


@pytest.mark.parametrize('head', [
    dict(type='PCANHead', num_classes=6, in_channels=(8, 4),
         action_to_body=(0, 0, 1, 1, 2, 2), body_h_channels=4,
         action_h_channels=4, dropout=0.5),
    dict(type='ProtoGCNHead', num_classes=4, in_channels=8, joint_cfg=9,
         dropout=0.5),
    dict(type='I3DEmbHead', num_classes=4, in_channels=8, emb_channels=5,
         dropout_ratio=0.5),
])
def test_head_dropout(head):
    torch.manual_seed(0)
    module = MODELS.build(head)
    if head['type'] == 'PCANHead':
        x = (torch.randn(3, 8, 2, 2, 2), torch.randn(3, 4, 2, 2, 2))
        # eval adds the prototype rectification; compare the raw classifiers
        forward = lambda_module(module, lambda m, t: m(t)['rgb_coarse'])
    elif head['type'] == 'ProtoGCNHead':
        x = torch.randn(3, 2, 8, 2, 9)
        forward = module
    else:
        x = torch.randn(3, 8, 2, 2, 2)
        forward = module
    check_train_mode(forward, x)


def lambda_module(module, fn):
    """``module`` whose forward is ``fn(module, x)`` (train/eval pass on)."""
    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = module

        def forward(self, x):
            return fn(self.inner, x)
    return Wrapped()
