"""PCAN backbone: official keys with the real config, FeatureInteraction
against a hand-written reference (pcan.md 1.2), fusion order."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.models.backbones import RGBPoseConv3D
from mmaction.registry import MODELS

from mmaction2_ext.models.backbones import FeatureInteraction, PCANRGBPoseConv3D
from helpers import assert_official_keys, train_without_bn_stats

TINY = dict(
    rgb_pathway=dict(num_stages=4, lateral=True, lateral_infl=1,
                     lateral_activate=[0, 0, 1, 1], fusion_kernel=7,
                     base_channels=8, conv1_kernel=(1, 7, 7),
                     inflate=(0, 0, 1, 1), with_pool2=False, depth=50),
    pose_pathway=dict(num_stages=3, stage_blocks=(1, 1, 1), lateral=True,
                      lateral_inv=True, lateral_infl=16,
                      lateral_activate=(0, 1, 1), fusion_kernel=7,
                      in_channels=28, base_channels=4, out_indices=(2, ),
                      conv1_kernel=(1, 7, 7), conv1_stride_s=1,
                      conv1_stride_t=1, pool1_stride_s=1, pool1_stride_t=1,
                      inflate=(0, 1, 1), spatial_strides=(2, 2, 2),
                      temporal_strides=(1, 1, 1), dilations=(1, 1, 1),
                      with_pool2=False))


def tiny(cls, **kw):
    import copy
    return cls(**copy.deepcopy(TINY), **kw)


def test_full_model_keys_equal_official(spec_keys_dir, repo_root):
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs/pcan/pcan_rgbpose_ma52.py'))
    model = MODELS.build(cfg.model)
    assert_official_keys(model, osp.join(spec_keys_dir,
                                         'pcan_model_keys.json'))
    assert sum(p.numel() for p in model.parameters()) == 39144886


def softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def ref_attention(attn, x, y, heads):
    w = {n: (getattr(attn, n).weight.detach().double().numpy(),
             getattr(attn, n).bias.detach().double().numpy())
         for n in ('q_proj', 'k_proj', 'v_proj', 'fc')}
    lin = lambda t, n: t @ w[n][0].T + w[n][1]  # noqa: E731
    q, k, v = lin(x, 'q_proj'), lin(y, 'k_proj'), lin(y, 'v_proj')
    d = q.shape[-1] // heads
    out = np.zeros_like(q)
    for h in range(heads):
        sl = slice(h * d, (h + 1) * d)
        a = softmax(q[:, :, sl] @ k[:, :, sl].transpose(0, 2, 1) / np.sqrt(d))
        out[:, :, sl] = a @ v[:, :, sl]
    return lin(out, 'fc')


def test_feature_interaction_matches_reference():
    torch.manual_seed(0)
    block = FeatureInteraction(6, 4, hidden_channels=8, num_heads=2).eval()
    rgb, skt = torch.randn(2, 6, 8, 3, 3), torch.randn(2, 4, 32, 3, 3)
    with torch.no_grad():
        out_rgb, out_skt = block(rgb, skt)
    R, S = rgb.double().numpy(), skt.double().numpy()
    p = {n: getattr(block, n).weight.detach().double().numpy()
         for n in ('conv1', 'conv2', 'conv4', 'conv5')}
    b = {n: getattr(block, n).bias.detach().double().numpy()
         for n in ('conv1', 'conv2', 'conv4', 'conv5')}
    # conv1 (1x1x1) then max over (h, w): tokens (N, 8, H)
    r = np.einsum('oc,ncthw->nothw', p['conv1'][:, :, 0, 0, 0], R)
    r = (r + b['conv1'][None, :, None, None, None]).max(axis=(3, 4))
    # conv2: kernel/stride 4 in time -> 8 steps
    s = np.zeros((2, 8, 8, 3, 3))
    for t in range(8):
        s[:, :, t] = np.einsum('ock,nckhw->nohw', p['conv2'][:, :, :, 0, 0],
                               S[:, :, 4 * t:4 * t + 4])
    s = (s + b['conv2'][None, :, None, None, None]).max(axis=(3, 4))
    r_tok = ref_attention(block.rgb_cross_attn, r.transpose(0, 2, 1),
                          s.transpose(0, 2, 1), 2)
    s_tok = ref_attention(block.skt_cross_attn, s.transpose(0, 2, 1), r_tok, 2)
    gate_r = np.einsum('oc,ntc->not', p['conv4'][:, :, 0, 0, 0], r_tok) + \
        b['conv4'][None, :, None]
    gate_s = np.zeros((2, 4, 32))
    for t in range(32):  # transposed conv: step t comes from token t // 4
        gate_s[:, :, t] = s_tok[:, t // 4] @ p['conv5'][:, :, t % 4, 0, 0] + b['conv5']
    exp_r = R + gate_r[..., None, None] * R
    exp_s = S + gate_s[..., None, None] * S
    np.testing.assert_allclose(out_rgb.detach().double().numpy(), exp_r, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out_skt.detach().double().numpy(), exp_s, rtol=1e-4, atol=1e-5)


def inputs():
    g = torch.Generator().manual_seed(0)
    return torch.randn(1, 3, 8, 32, 32, generator=g), torch.randn(
        1, 28, 32, 8, 8, generator=g)


def test_zero_gates_reduce_to_stock_rgbpose():
    torch.manual_seed(0)
    ours = tiny(PCANRGBPoseConv3D).eval()
    stock = tiny(RGBPoseConv3D).eval()
    stock.load_state_dict({k: v for k, v in ours.state_dict().items()
                           if 'featuredifference' not in k})
    imgs, hm = inputs()
    for block in (ours.featuredifference2, ours.featuredifference3):
        for conv in (block.conv4, block.conv5):
            torch.nn.init.zeros_(conv.weight)
            torch.nn.init.zeros_(conv.bias)
    for a, b in zip(ours(imgs, hm), stock(imgs, hm)):
        torch.testing.assert_close(a, b)


def test_laterals_read_ungated_and_concat_gated_features():
    torch.manual_seed(0)
    model = tiny(PCANRGBPoseConv3D).eval()
    seen = {}

    def keep(name):
        def hook(module, args, out):
            seen[name] = (args[0], out)
        return hook

    for name in ('rgb_path.layer2', 'pose_path.layer1', 'rgb_path.layer2_lateral',
                 'pose_path.layer1_lateral', 'featuredifference2',
                 'rgb_path.layer3', 'pose_path.layer2'):
        model.get_submodule(name).register_forward_hook(keep(name))
    model(*inputs())
    torch.testing.assert_close(seen['rgb_path.layer2_lateral'][0],
                               seen['pose_path.layer1'][1])
    torch.testing.assert_close(seen['pose_path.layer1_lateral'][0],
                               seen['rgb_path.layer2'][1])
    gated_rgb, gated_pose = seen['featuredifference2'][1]
    rgb_in, pose_in = seen['rgb_path.layer3'][0], seen['pose_path.layer2'][0]
    torch.testing.assert_close(rgb_in[:, :gated_rgb.shape[1]], gated_rgb)
    torch.testing.assert_close(rgb_in[:, gated_rgb.shape[1]:],
                               seen['rgb_path.layer2_lateral'][1])
    torch.testing.assert_close(pose_in[:, :gated_pose.shape[1]], gated_pose)
    assert not torch.allclose(gated_rgb, seen['rgb_path.layer2'][1])


# ------------------------------------------------------------ train mode
class ZeroOut(torch.nn.Module):
    """A lateral whose output is replaced by zeros (a dropped path)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return torch.zeros_like(self.module(x))


def attention_dropout(model, p):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = p


def test_train_mode_without_drops_equals_eval():
    torch.manual_seed(0)
    model = tiny(PCANRGBPoseConv3D, rgb_drop_path=0., pose_drop_path=0.)
    attention_dropout(model, 0.)
    imgs, hm = inputs()
    with torch.no_grad():
        expected = model.eval()(imgs, hm)
        got = train_without_bn_stats(model)(imgs, hm)
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('branch', ['rgb', 'pose'])
def test_drop_path_one_zeroes_that_branchs_laterals(branch):
    """rgb_drop_path drops what the RGB path receives from pose (its
    laterals), pose_drop_path the reverse, in training only."""
    torch.manual_seed(0)
    model = tiny(PCANRGBPoseConv3D, **{f'{branch}_drop_path': 1.})
    attention_dropout(model, 0.)
    imgs, hm = inputs()
    with torch.no_grad():
        plain = model.eval()(imgs, hm)
        dropped = train_without_bn_stats(model)(imgs, hm)
        path = getattr(model, f'{branch}_path')
        for name in path.lateral_connections:
            setattr(path, name, ZeroOut(getattr(path, name)))
        expected = model.eval()(imgs, hm)
    for a, b in zip(dropped, expected):
        torch.testing.assert_close(a, b)
    assert not torch.allclose(plain[0], dropped[0])


def test_attention_dropout_is_random_in_train_mode_only():
    torch.manual_seed(0)
    model = tiny(PCANRGBPoseConv3D)
    imgs, hm = inputs()

    def run(seed):
        torch.manual_seed(seed)
        with torch.no_grad():
            return model(imgs, hm)[0]
    train_without_bn_stats(model)
    torch.testing.assert_close(run(1), run(1))
    assert not torch.allclose(run(1), run(2))
    model.eval()
    torch.testing.assert_close(run(1), run(2))
