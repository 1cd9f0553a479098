"""tools/merge_pretrain.py: the MA-52 RGB-only and Pose-only pretraining
configs merge into a PCAN init that loads (padding as upstream's notebook)."""
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from mmaction2_ext.models.utils.rgbpose_merge import merge_rgbpose_pretrained
from helpers import warm_python

CFG = 'configs/pcan/{}'
RGB = 'rgb-only_slowonly-r50_1xb12-8x1x1-18e_ma52-rgb.py'
POSE = 'pose-only_slowonly-r50_1xb16-32x1x1-18e_ma52-keypoint.py'


def build(repo_root, name):
    init_default_scope('mmaction')
    return MODELS.build(Config.fromfile(osp.join(repo_root, CFG.format(name))).model)


def test_merge_real_configs_and_load(repo_root, tmp_path, tool_env):
    torch.manual_seed(0)
    rgb, pose = build(repo_root, RGB), build(repo_root, POSE)
    pcan = build(repo_root, 'pcan_rgbpose_ma52.py')
    target = {k: tuple(v.shape) for k, v in pcan.state_dict().items()}
    merged, missing = merge_rgbpose_pretrained(rgb.state_dict(), pose.state_dict(), target)
    # the four padded convolutions per stream of upstream's notebook
    w = merged['backbone.rgb_path.layer3.0.conv1.conv.weight']
    src = rgb.state_dict()['backbone.layer3.0.conv1.conv.weight']
    assert tuple(w.shape) == (256, 640, 3, 1, 1) and tuple(src.shape) == (256, 512, 3, 1, 1)
    assert torch.equal(w[:, :512], src) and not w[:, 512:].any()
    assert tuple(merged['backbone.pose_path.layer3.0.downsample.conv.weight'].shape) == (512, 320, 1, 1, 1)
    assert torch.equal(merged['cls_head.fc_rgb.weight'], rgb.state_dict()['cls_head.fc_cls.weight'])
    assert torch.equal(merged['cls_head.fc_pose.bias'], pose.state_dict()['cls_head.fc_cls.bias'])
    assert all('lateral' in k or 'featuredifference' in k or 'coarse' in k or
               'fr_' in k for k in missing)
    assert not any('lateral' in k or 'featuredifference' in k for k in merged)
    # the CLI writes a checkpoint the PCAN model loads (non-strict, as load_from)
    for name, model in (('rgb.pth', rgb), ('pose.pth', pose)):
        torch.save({'state_dict': model.state_dict()}, tmp_path / name)
    out = tmp_path / 'init.pth'
    proc = warm_python.run([sys.executable, 'tools/merge_pretrain.py', str(tmp_path / 'rgb.pth'),
                           str(tmp_path / 'pose.pth'), '--out', str(out)],
                           cwd=repo_root, env=tool_env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    state = torch.load(out, weights_only=True)['state_dict']
    result = pcan.load_state_dict(state, strict=False)
    assert not result.unexpected_keys
    assert set(result.missing_keys) == {
        k for k in missing if not k.endswith('num_batches_tracked')}
