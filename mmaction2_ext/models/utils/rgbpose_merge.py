"""Merge RGB-only and Pose-only pretrained models into an RGBPoseConv3D init
(the recipe of upstream's deleted ``merge_pretrain.ipynb``).

``backbone.*`` of the RGB model becomes ``backbone.rgb_path.*`` and its
``cls_head.fc_cls`` becomes ``cls_head.fc_rgb``; likewise ``pose_path`` /
``fc_pose``. Convolutions that receive a lateral connection in the two-stream
model have more input channels: the pretrained kernel fills the leading input
channels and the lateral part starts at zero, so the merged model computes
what the two pretrained models did.
"""
from typing import Dict, Mapping, Sequence, Tuple

import torch

from ...utils import DataError

RENAMES = {'rgb': ('backbone.rgb_path.', 'fc_rgb'),
           'pose': ('backbone.pose_path.', 'fc_pose')}


def _rename(state: Mapping[str, torch.Tensor], stream: str) -> Dict:
    prefix, fc = RENAMES[stream]
    out = {}
    for key, value in state.items():
        if key.startswith('backbone.'):
            key = prefix + key[len('backbone.'):]
        key = key.replace('cls_head.fc_cls', f'cls_head.{fc}')
        out[key] = value
    return out


def merge_rgbpose_pretrained(rgb: Mapping[str, torch.Tensor],
                             pose: Mapping[str, torch.Tensor],
                             target: Mapping[str, Sequence[int]]
                             ) -> Tuple[Dict[str, torch.Tensor], list]:
    """Returns (merged state_dict, target keys left to their init).

    Args:
        rgb / pose: state_dicts of the single-stream recognizers.
        target: key -> shape of the two-stream model (e.g. PCAN).
    """
    merged = {}
    for stream, state in (('rgb', rgb), ('pose', pose)):
        for key, value in _rename(state, stream).items():
            if key not in target:
                continue  # e.g. data_preprocessor buffers
            shape = tuple(target[key])
            if tuple(value.shape) != shape:
                if (value.dim() < 2 or value.shape[0] != shape[0]
                        or value.shape[2:] != shape[2:]
                        or value.shape[1] > shape[1]):
                    raise DataError(f'{stream} checkpoint: {key} has shape '
                                    f'{tuple(value.shape)}, target {shape}')
                padded = value.new_zeros(shape)
                padded[:, :value.shape[1]] = value
                value = padded
            merged[key] = value
    missing = [k for k in target if k not in merged]
    return merged, missing
