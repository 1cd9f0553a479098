"""Skeleton transforms used by ProtoGCN / PYSKL configs that mmaction2 1.2.0
lacks (spec 2.2-2.3). Registry names follow upstream so configs read alike.

All randomness uses numpy's / python's global RNGs exactly as upstream, so a
seeded run draws the same augmentations and test clips.
"""
import random
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform, KeyMapper
from mmengine.dataset import Compose
from mmaction.datasets.transforms.pose_transforms import (GenSkeFeat,
                                                          JointToBone,
                                                          MergeSkeFeat,
                                                          ToMotion)
from mmaction.registry import TRANSFORMS

from ...utils import DataError, data_error
from ..layouts import LAYOUTS

Pairs = Tuple[Tuple[int, int], ...]


def _pairs(partners: Sequence[int]) -> Pairs:
    return tuple(enumerate(partners))


# joint v -> partner joint (bone: parent; k-bone: second-order partner),
# for the layouts the stock transforms lack
BONE_PAIRS: Dict[str, Pairs] = {
    name: _pairs(layout.bone_partners) for name, layout in LAYOUTS.items()
    if layout.bone_partners is not None}
KB_PAIRS: Dict[str, Pairs] = {
    name: _pairs(layout.kbone_partners) for name, layout in LAYOUTS.items()
    if layout.kbone_partners is not None}


def pair_difference(keypoint: np.ndarray, pairs: Pairs,
                    average_score: bool) -> np.ndarray:
    """(M, T, V, C) -> float32 x_v - x_partner(v); with ``average_score``
    and C == 3 the score channel is the pair's mean instead."""
    out = np.zeros(keypoint.shape, dtype=np.float32)
    for v1, v2 in pairs:
        out[..., v1, :] = keypoint[..., v1, :] - keypoint[..., v2, :]
        if average_score and keypoint.shape[-1] == 3:
            out[..., v1, 2] = (keypoint[..., v1, 2] + keypoint[..., v2, 2]) / 2
    return out


class ChannelError(DataError, AssertionError):
    """Keypoints with a channel count stock ``JointToBone`` asserts against:
    one clear line, still caught by code that catches the stock
    ``AssertionError``."""


@TRANSFORMS.register_module()
class JointToBoneExt(JointToBone):
    """Stock ``JointToBone`` plus the ``coco_new`` layout (same outputs and
    input checks for the stock layouts: (M, T, V, C) with C 2 or 3)."""

    def __init__(self, dataset: str = 'nturgb+d',
                 target: str = 'keypoint') -> None:
        if dataset in BONE_PAIRS:
            self.dataset, self.target = dataset, target
            self.pairs = BONE_PAIRS[dataset]
        else:
            super().__init__(dataset, target)

    def transform(self, results: Dict) -> Dict:
        keypoint = results['keypoint']
        if keypoint.ndim != 4:  # stock: ValueError unpacking the shape
            raise data_error('JointToBone', f'expects keypoint (M, T, V, C), '
                             f'got shape {keypoint.shape}',
                             results.get('frame_dir'), 'keypoint')
        if keypoint.shape[-1] not in (2, 3):  # stock: assert C in [2, 3]
            raise ChannelError(*data_error(
                'JointToBone', f'expects 2 or 3 keypoint channels (x, y[, '
                f'z or score]), got {keypoint.shape[-1]}',
                results.get('frame_dir'), 'keypoint').args)
        results[self.target] = pair_difference(
            keypoint, self.pairs, LAYOUTS[self.dataset].bone_score)
        return results


@TRANSFORMS.register_module()
class JointToKB(BaseTransform):
    """Second-order ("k") bones: x_v - x_partner(v) (InfoGCN k=2 bones)."""

    def __init__(self, dataset: str = 'nturgb+d',
                 target: str = 'keypoint') -> None:
        if dataset not in KB_PAIRS:
            raise ValueError(f'JointToKB: dataset {dataset!r} is not one of '
                             f'{sorted(KB_PAIRS)}')
        self.dataset, self.target = dataset, target

    def transform(self, results: Dict) -> Dict:
        results[self.target] = pair_difference(
            results['keypoint'], KB_PAIRS[self.dataset],
            LAYOUTS[self.dataset].kbone_score)
        return results


@TRANSFORMS.register_module()
class GenSkeFeatExt(GenSkeFeat):
    """Stock ``GenSkeFeat`` plus k-bone streams ``k``/``km`` and the
    ``coco_new`` layout. Streams: j, b, k and their motions jm, bm, km
    (x[t+1] - x[t], last frame 0), concatenated along ``axis``."""

    def __init__(self, dataset: str = 'nturgb+d', feats: Sequence[str] = ('j',),
                 axis: int = -1) -> None:
        self.dataset, self.feats, self.axis = dataset, list(feats), axis
        unknown = set(self.feats) - {'j', 'b', 'k', 'jm', 'bm', 'km'}
        if unknown:
            raise ValueError(f'GenSkeFeat: unknown feats {sorted(unknown)}')
        ops = []
        if {'b', 'bm'} & set(self.feats):
            ops.append(JointToBoneExt(dataset=dataset, target='b'))
        if {'k', 'km'} & set(self.feats):
            ops.append(JointToKB(dataset=dataset, target='k'))
        ops.append(KeyMapper(remapping={'keypoint': 'j'}))
        for src in ('j', 'b', 'k'):
            if src + 'm' in self.feats:
                ops.append(ToMotion(dataset=dataset, source=src,
                                    target=src + 'm'))
        ops.append(MergeSkeFeat(feat_list=self.feats, axis=axis))
        self.ops = Compose(ops)


@TRANSFORMS.register_module()
class RandomRot(BaseTransform):
    """Random 3D rotation R = Rz Ry Rx, angles ~ U(-theta, theta) (numpy RNG).

    Skeletons that are all ~0 are left as they are. Upstream draws the 2D
    angle as ``uniform(-theta, 1)`` (a bug); ``symmetric_2d=True`` fixes it.
    """

    def __init__(self, theta: float = 0.3, symmetric_2d: bool = False) -> None:
        self.theta = theta
        self.symmetric_2d = symmetric_2d

    @staticmethod
    def rot3d(theta: np.ndarray) -> np.ndarray:
        cos, sin = np.cos(theta), np.sin(theta)
        rx = np.array([[1, 0, 0], [0, cos[0], sin[0]], [0, -sin[0], cos[0]]])
        ry = np.array([[cos[1], 0, -sin[1]], [0, 1, 0], [sin[1], 0, cos[1]]])
        rz = np.array([[cos[2], sin[2], 0], [-sin[2], cos[2], 0], [0, 0, 1]])
        return rz @ ry @ rx

    def transform(self, results: Dict) -> Dict:
        skeleton = results['keypoint']
        if np.all(np.isclose(skeleton, 0)):
            return results
        C = skeleton.shape[-1]
        if C == 3:
            rot = self.rot3d(np.random.uniform(-self.theta, self.theta, 3))
        elif C == 2:
            high = self.theta if self.symmetric_2d else 1.0
            t = np.random.uniform(-self.theta, high)
            rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        else:
            raise data_error('RandomRot', f'expects C in (2, 3), got {C}',
                             results.get('frame_dir'), 'keypoint')
        results['keypoint'] = np.einsum('ab,mtvb->mtva', rot, skeleton)
        return results


@TRANSFORMS.register_module(name='Spatial_Flip')
class SpatialFlip(BaseTransform):
    """With probability p (python ``random``), relabel left/right joints.

    Coordinates are *not* mirrored (upstream behaviour): only the joint
    order is permuted.
    """

    # upstream flips NTU only
    ORDERS = {'nturgb+d': LAYOUTS['nturgb+d'].flip_order()}

    def __init__(self, dataset: str = 'nturgb+d', p: float = 0.5) -> None:
        if dataset not in self.ORDERS:
            raise ValueError(f'Spatial_Flip: dataset {dataset!r} is not one '
                             f'of {sorted(self.ORDERS)}')
        self.order, self.p = self.ORDERS[dataset], p

    def transform(self, results: Dict) -> Dict:
        if random.random() < self.p:
            results['keypoint'] = results['keypoint'][..., self.order, :]
            if 'keypoint_score' in results:
                results['keypoint_score'] = \
                    results['keypoint_score'][..., self.order]
        return results


@TRANSFORMS.register_module(name='Kinetics_Transform')
class KineticsTransform(BaseTransform):
    """COCO-17 (+ score) -> ``coco_new`` 20 joints with C = 3 (x, y, score):
    17 = mean(11, 12) hips, 19 = mean(5, 6) shoulders, 18 = mean(17, 19)."""

    def transform(self, results: Dict) -> Dict:
        kp = results['keypoint']
        if 'keypoint_score' in results:
            kp = np.concatenate([kp, results.pop('keypoint_score')[..., None]],
                                -1)
        if kp.shape[-2] != 17:
            raise data_error('Kinetics_Transform',
                             f'expects 17 COCO joints, got {kp.shape[-2]}',
                             results.get('frame_dir'), 'keypoint')
        hip = (kp[..., 11, :] + kp[..., 12, :]) / 2
        neck = (kp[..., 5, :] + kp[..., 6, :]) / 2
        spine = (hip + neck) / 2
        results['keypoint'] = np.concatenate(
            [kp, np.stack([hip, spine, neck], -2)], -2).astype(np.float32)
        return results


@TRANSFORMS.register_module()
class UniformSampleDecode(BaseTransform):
    """PYSKL uniform sampler that slices the keypoint array itself.

    Per clip: ``ratio`` ~ U(p_interval) and an offset are drawn (numpy RNG,
    even when p_interval is 1, as upstream); for T' = int(ratio*T) frames:
    T' < clip_len -> random start, indices wrap modulo T'; clip_len <= T' <
    2*clip_len -> T' - clip_len of the clip_len+1 gaps get a +1; else one
    random frame per equal bin. Clips are concatenated along T. In test mode
    ``np.random.seed(seed)`` is called first, so test clips are fixed.

    Args:
        test_mode: None takes ``results['test_mode']`` (upstream), a bool
            overrides it (mmaction2 datasets do not set the key).
    """

    def __init__(self, clip_len: int, num_clips: int = 1,
                 p_interval=1, seed: int = 255,
                 test_mode: Optional[bool] = None) -> None:
        self.clip_len, self.num_clips, self.seed = clip_len, num_clips, seed
        self.p_interval = tuple(p_interval) if isinstance(
            p_interval, (tuple, list)) else (p_interval, p_interval)
        self.test_mode = test_mode

    def clip_indices(self, T: int) -> np.ndarray:
        """Frame indices (num_clips * clip_len,) into a T-frame sequence."""
        clip_len, (lo, hi) = self.clip_len, self.p_interval
        clips = []
        for _ in range(self.num_clips):
            num_frames = int((np.random.rand() * (hi - lo) + lo) * T)
            off = np.random.randint(T - num_frames + 1)
            if num_frames < clip_len:
                start = np.random.randint(0, num_frames)
                inds = np.arange(start, start + clip_len) % num_frames
            elif num_frames < 2 * clip_len:
                gaps = np.random.choice(clip_len + 1, num_frames - clip_len,
                                        replace=False)
                offset = np.zeros(clip_len + 1, dtype=np.int64)
                offset[gaps] = 1
                inds = np.arange(clip_len) + np.cumsum(offset)[:-1]
            else:
                bids = np.array([i * num_frames // clip_len
                                 for i in range(clip_len + 1)])
                inds = bids[:-1] + np.random.randint(np.diff(bids))
            clips.append(inds + off)
        return np.concatenate(clips)

    def transform(self, results: Dict) -> Dict:
        test_mode = self.test_mode if self.test_mode is not None else \
            results.get('test_mode', False)
        if test_mode is True:
            np.random.seed(self.seed)
        kp = results.pop('keypoint')
        if 'keypoint_score' in results:
            kp = np.concatenate([kp, results.pop('keypoint_score')[..., None]],
                                -1)
        if kp.ndim != 4 or kp.shape[1] == 0:
            raise data_error('UniformSampleDecode',
                             f'needs keypoint (M, T>0, V, C), got {kp.shape}',
                             results.get('frame_dir'), 'keypoint')
        kp = kp.astype(np.float32)
        results['keypoint'] = kp[:, self.clip_indices(kp.shape[1])]
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        return results
