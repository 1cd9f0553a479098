"""ProtoGCN classification head (upstream ``SimpleHead``, spec 1.7)."""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import normal_init
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ...datasets.layouts import LAYOUTS
from ..losses.csc_loss import ClassSpecificContrastiveLoss

# reconstructed-graph width V*V per skeleton layout ProtoGCN is defined on
GRAPH_CHANNELS = {name: LAYOUTS[name].num_joints ** 2
                  for name in ('nturgb+d', 'coco_new')}


@MODELS.register_module()
class ProtoGCNHead(BaseHead):
    """Pooled GCN features -> ``fc_cls``; training adds the CSC loss.

    Takes the backbone's ``(feat (N, M, C, T, V), reconstructed_graph
    (N, V*V))``. ``loss_cls = CE + weight * CSC`` (one key, as upstream);
    the two terms are also logged, detached, as ``ce`` and ``csc``.

    Args:
        joint_cfg: skeleton layout name, or the graph width V*V as an int.
        weight: CSC loss weight (0.2 j/jm, 0.3 b/bm, 0.1 k/km).
        average_clips: test-time clip fusion, 'prob' as upstream.
    """

    def __init__(self, num_classes: int, in_channels: int,
                 joint_cfg: Union[str, int] = 'nturgb+d', weight: float = 0.,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 dropout: float = 0., init_std: float = 0.01,
                 average_clips: Optional[str] = 'prob', **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         average_clips=average_clips, **kwargs)
        if isinstance(joint_cfg, int):
            n_channel = joint_cfg
        elif joint_cfg in GRAPH_CHANNELS:
            n_channel = GRAPH_CHANNELS[joint_cfg]
        else:
            raise ValueError(f'joint_cfg {joint_cfg!r} must be one of '
                             f'{sorted(GRAPH_CHANNELS)} or the int V*V')
        self.weight = weight
        self.init_std = init_std
        # built before fc_cls so torch's RNG is consumed in upstream order
        self.csc_loss = ClassSpecificContrastiveLoss(num_classes, n_channel)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: Union[torch.Tensor, Tuple[torch.Tensor, ...]],
                **kwargs) -> torch.Tensor:
        """(feat, graph) or feat (N, M, C, T, V) -> logits (N, num_classes)."""
        feat = x[0] if isinstance(x, (tuple, list)) else x
        pooled = feat.mean(dim=(3, 4)).mean(1)  # (N, C)
        if self.dropout is not None:
            pooled = self.dropout(pooled)
        return self.fc_cls(pooled)

    def loss(self, feats: Tuple[torch.Tensor, torch.Tensor],
             data_samples: SampleList, **kwargs) -> Dict:
        logits = self(feats)
        losses = self.loss_by_feat(logits, data_samples)
        labels = torch.stack([s.gt_label for s in data_samples]).to(
            logits.device).view(-1)
        csc = self.csc_loss(feats[1], labels, logits.detach())
        losses['ce'] = losses['loss_cls'].detach()
        losses['csc'] = csc.detach()
        losses['loss_cls'] = losses['loss_cls'] + self.weight * csc
        return losses
