"""PCAN head: action + body classifiers per modality, prototype calibration,
tree loss, prototype-guided rectification (Li et al., AAAI 2025)."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import normal_init
from mmaction.models.heads import RGBPoseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ...datasets.ma52_labels import body_groups
from ..losses import (HierProtoCalibration, PooledCalibration,
                      ProtoCalibration, TreeLoss)

BRANCHES = ('rgb', 'pose')
SCORE_KEYS = ('rgb', 'pose', 'rgb_coarse', 'pose_coarse')


@MODELS.register_module()
class PCANHead(RGBPoseHead):
    """Inputs (x_rgb (N, 2048, T, H, W), x_pose (N, 512, T', H, W)).

    Eval ``forward`` returns the raw scores ``{'rgb', 'pose', 'rgb_coarse',
    'pose_coarse'}``; action scores are rectified by the action prototypes P:
    ``z + w·cos(cl_fc(f), P)`` with w = ``rectify_weights`` (5 RGB, 1 Pose).

    Args (beyond :class:`RGBPoseHead`):
        action_to_body: body id of every action (default MA-52, 7 bodies;
            'identity': each action its own group).
        body_h_channels / action_h_channels: prototype widths (128 / 256).
        calib_weight: factor of the four calibration losses (upstream 1/5).
        rectify_pool: 'avg' (upstream: global average pool, whereas training
            builds prototypes from the spatial max of the temporal mean) or
            'tmean_max' (fix: query with the training-time pooling).
        sync_prototypes: average prototype updates over DDP ranks.
        save_body_prototypes: make the body prototypes persistent (fix;
            upstream never saves them, adding keys breaks strict loading).
        diversity_grad: let the diversity term reach ``cl_fc`` (fix; upstream
            computes it on a detached copy).
    """

    def __init__(self, num_classes: int = 52,
                 in_channels: Tuple[int, int] = (2048, 512),
                 action_to_body: Union[None, str, Sequence[int]] = None,
                 body_h_channels: int = 128, action_h_channels: int = 256,
                 calib_weight: float = 0.2,
                 rectify_weights: Tuple[float, float] = (5., 1.),
                 rectify_pool: str = 'avg', sync_prototypes: bool = True,
                 save_body_prototypes: bool = False,
                 diversity_grad: bool = False, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        body_of = list(body_groups(action_to_body, num_classes))
        if len(body_of) != num_classes:
            raise ValueError(f'action_to_body has {len(body_of)} entries, '
                             f'num_classes is {num_classes}')
        assert rectify_pool in ('avg', 'tmean_max'), rectify_pool
        self.num_body = max(body_of) + 1
        self.calib_weight = calib_weight
        self.rectify_weights = tuple(rectify_weights)
        self.rectify_pool = rectify_pool
        # Construction order = upstream RNG order (fc layers, then memories).
        self.fc_rgb_coarse = nn.Linear(in_channels[0], self.num_body)
        self.fc_pose_coarse = nn.Linear(in_channels[1], self.num_body)
        common = dict(sync=sync_prototypes)
        for name, c in zip(BRANCHES, in_channels):
            setattr(self, f'fr_coarse_{name}', PooledCalibration(ProtoCalibration(
                c, self.num_body, body_h_channels,
                persistent=save_body_prototypes, **common)))
        for name, c in zip(BRANCHES, in_channels):
            setattr(self, f'fr_{name}', PooledCalibration(HierProtoCalibration(
                c, num_classes, action_h_channels, n_body=self.num_body,
                diversity_grad=diversity_grad, **common)))
        for name in BRANCHES:
            setattr(self, f'tree_loss_{name}', TreeLoss(body_of, self.num_body))
        self.register_buffer('action_to_body', torch.tensor(body_of),
                             persistent=False)

    def init_weights(self) -> None:
        """normal(0, init_std) on the four classifiers; the prototype
        modules keep their construction values (as upstream)."""
        super().init_weights()
        normal_init(self.fc_rgb_coarse, std=self.init_std)
        normal_init(self.fc_pose_coarse, std=self.init_std)

    def forward(self, x: Sequence[torch.Tensor]) -> Dict[str, torch.Tensor]:
        feats = {n: self.avg_pool(f).flatten(1) for n, f in zip(BRANCHES, x)}
        scores = {}
        for name in BRANCHES:
            f = getattr(self, f'dropout_{name}')(feats[name])
            scores[name] = getattr(self, f'fc_{name}')(f)
            scores[f'{name}_coarse'] = getattr(self, f'fc_{name}_coarse')(f)
        if not self.training:
            for name, feat, w in zip(BRANCHES, x, self.rectify_weights):
                scores[name] = scores[name] + w * self.prototype_similarity(
                    name, feats[name] if self.rectify_pool == 'avg' else
                    torch.amax(feat.mean(2), dim=(2, 3)))
        return scores

    @torch.no_grad()
    def prototype_similarity(self, name: str, f: torch.Tensor) -> torch.Tensor:
        """(N, K) cosine between cl_fc(f) and every action prototype."""
        net = getattr(self, f'fr_{name}').spatio_cl_net
        query = net.cl_fc(f)
        return torch.cosine_similarity(query[:, None], net.avg_f.t()[None], dim=2)

    def loss(self, feats: Sequence[torch.Tensor], data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Classification, calibration and hierarchy losses (official keys)."""
        scores = self(feats)
        labels = torch.cat([s.gt_label.view(-1) for s in data_samples])
        labels = labels.to(scores['rgb'].device).long()
        bodies = self.action_to_body[labels]
        losses = {}
        for name, weight in zip(self.loss_components, self.loss_weights):
            for key, target in ((name, labels), (f'{name}_coarse', bodies)):
                part = self.loss_by_scores(scores[key], target)
                part['loss_cls'] = part['loss_cls'] * weight
                losses.update({f'{key}_{k}': v for k, v in part.items()})
        # Calibration sees the temporal mean, not the dropped-out pooled feature.
        tmean = {n: f.mean(2) for n, f in zip(BRANCHES, feats)}
        for n in BRANCHES:
            losses[f'{n}_fr_coarse_loss'] = self.calib_weight * getattr(
                self, f'fr_coarse_{n}')(tmean[n], bodies, scores[f'{n}_coarse'])
        for n in BRANCHES:
            losses[f'{n}_fr_loss'] = self.calib_weight * getattr(self, f'fr_{n}')(
                tmean[n], bodies, labels, scores[f'{n}_coarse'], scores[n])
        for n in BRANCHES:
            losses[f'hierarchy_{n}_loss'] = getattr(self, f'tree_loss_{n}')(
                scores[f'{n}_coarse'], scores[n], labels)
        return losses

    def predict_by_feat(self, cls_scores: Dict[str, torch.Tensor],
                        data_samples: SampleList) -> SampleList:
        """Clip-average ('prob' = softmax then mean) all four score sets."""
        averaged = {k: self.predict_by_scores(cls_scores[k], data_samples)
                    for k in SCORE_KEYS}
        for i, sample in enumerate(data_samples):
            sample.set_pred_score({k: v[i] for k, v in averaged.items()})
        return data_samples
