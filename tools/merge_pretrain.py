"""Merge MA-52 RGB-only and Pose-only checkpoints into the RGB+Pose init.

    python tools/merge_pretrain.py RGB_CKPT POSE_CKPT \
        --config configs/pcan/pcan_rgbpose_ma52.py \
        --out checkpoints/rgbpose_conv3d_init.pth
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner.checkpoint import _load_checkpoint  # noqa: E402

import mmaction2_ext  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmaction2_ext.apis import check_suffix, load_config, run_cli  # noqa
from mmaction2_ext.models.utils.rgbpose_merge import \
    merge_rgbpose_pretrained  # noqa: E402
from mmaction2_ext.utils import atomic_write, data_error  # noqa: E402


def load_state(path):
    if not osp.isfile(path):
        raise data_error(path, 'checkpoint not found')
    ckpt = _load_checkpoint(path, map_location='cpu')
    return ckpt.get('state_dict', ckpt)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('rgb')
    parser.add_argument('pose')
    parser.add_argument('--config', default='configs/pcan/pcan_rgbpose_ma52.py')
    parser.add_argument('--out', default='checkpoints/rgbpose_conv3d_init.pth')
    args = parser.parse_args()
    check_suffix('--out', args.out, ('.pth', ))
    cfg = load_config(args.config)
    rgb, pose = load_state(args.rgb), load_state(args.pose)
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model)
    target = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    merged, missing = merge_rgbpose_pretrained(rgb, pose, target)
    with atomic_write(args.out, 'wb') as f:
        torch.save({'state_dict': merged}, f)
    print(f'{len(merged)} tensors -> {args.out}; {len(missing)} keys start '
          f'from init (laterals, featuredifference*, PCAN head extras)')


if __name__ == '__main__':
    run_cli(main)
