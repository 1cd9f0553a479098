"""PoseC3D head with the MiGA 2023 skeletal-semantic embedding loss.

The pooled clip feature ``f`` feeds both the classifier and a linear map into
the word-vector space of the class names (GloVe, 300-d). Training minimises

    L = CE(fc_cls(dropout(f)), y) + lambda * MSE(emb_fc(f), g_y),   lambda = 20,

where ``g_y`` is the fixed vector of class ``y`` (mean GloVe vector of its name).
Upstream logs the whole sum as ``loss_cls``; so do we.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.models.heads import I3DHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from ...utils import data_error


def load_class_vectors(source: Union[str, Sequence, np.ndarray],
                       num_classes: int, emb_channels: int) -> np.ndarray:
    """Read the (num_classes, emb_channels) class-vector table.

    ``source`` is a ``.npy`` path (e.g. the official ``Vectors.npy``) or an array.
    """
    name = source if isinstance(source, str) else '<class_vectors>'
    if isinstance(source, str):
        try:
            table = np.load(source, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise data_error(name, f'cannot read the class vectors ({err})')
    else:
        table = np.asarray(source)
    if table.shape != (num_classes, emb_channels):
        raise data_error(name, f'class vectors must have shape ({num_classes}, '
                         f'{emb_channels}), got {table.shape}')
    if not np.isfinite(table).all():
        raise data_error(name, 'class vectors contain NaN or inf')
    return table.astype(np.float32)


@MODELS.register_module()
class I3DEmbHead(I3DHead):
    """``I3DHead`` plus ``emb_fc``: class scores and a class-name embedding.

    Args:
        num_classes (int): Number of classes (32 for iMiGUE).
        in_channels (int): Channels C of the backbone feature (512).
        class_vectors (str | array, optional): ``.npy`` path or array of shape
            (num_classes, emb_channels); row c is the target embedding g_c.
            Read on the first ``loss`` call, so inference needs no file.
        emb_channels (int): Embedding size (300, GloVe). Defaults to 300.
        emb_loss_weight (float): lambda above. Defaults to 20 (upstream literal).
        **kwargs: ``I3DHead`` arguments (``dropout_ratio``, ``init_std``,
            ``average_clips``, ``loss_cls``, ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 class_vectors: Optional[Union[str, Sequence]] = None,
                 emb_channels: int = 300,
                 emb_loss_weight: float = 20.0,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.emb_fc = nn.Linear(in_channels, emb_channels)
        self.emb_channels = emb_channels
        self.emb_loss_weight = emb_loss_weight
        self.class_vectors = class_vectors
        # Not a buffer: official checkpoints have no such key.
        self._table: Optional[Tensor] = None

    def init_weights(self) -> None:
        super().init_weights()
        normal_init(self.emb_fc, std=self.init_std)

    def forward_both(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """(N, C, T, H, W) feature -> class scores s (N, K), embedding e (N, D).

        e is computed from the pooled feature *before* dropout, as upstream.
        """
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        f = x.view(x.shape[0], -1)
        emb = self.emb_fc(f)
        if self.dropout is not None:
            f = self.dropout(f)
        return self.fc_cls(f), emb

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Class scores (N, K); the embedding is only needed by the loss."""
        return self.forward_both(x)[0]

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict:
        cls_scores, emb = self.forward_both(feats)
        return self.loss_by_feat((cls_scores, emb), data_samples)

    def loss_by_feat(self, scores: Tuple[Tensor, Tensor],
                     data_samples: SampleList) -> Dict:
        """``loss_cls`` = CE + lambda * MSE (the total, as upstream logs it).

        The MSE alone is logged as ``emb_mse`` (no "loss" in the name, so
        mmengine does not add it a second time).
        """
        cls_scores, emb = scores
        losses = super().loss_by_feat(cls_scores, data_samples)
        labels = self._hard_labels(data_samples, cls_scores.device)
        if labels.numel() != emb.shape[0]:
            raise ValueError(f'{labels.numel()} labels for {emb.shape[0]} '
                             'embeddings: train with one clip per video')
        target = self._class_table(emb)[labels]
        emb_mse = F.mse_loss(emb, target)
        losses['loss_cls'] = losses['loss_cls'] + self.emb_loss_weight * emb_mse
        losses['emb_mse'] = emb_mse.detach()
        return losses

    @staticmethod
    def _hard_labels(data_samples: SampleList, device) -> Tensor:
        labels = [ds.gt_label.reshape(-1) for ds in data_samples]
        if any(lb.numel() != 1 for lb in labels):
            raise ValueError('the embedding loss needs one class index per '
                             'sample, not soft or multi-label targets')
        return torch.cat(labels).to(device=device, dtype=torch.long)

    def _class_table(self, like: Tensor) -> Tensor:
        """The (K, D) class-vector table on ``like``'s device and dtype."""
        if self._table is None:
            if self.class_vectors is None:
                raise ValueError('I3DEmbHead needs `class_vectors` (a .npy path '
                                 'such as the official Vectors.npy) to train')
            self._table = torch.from_numpy(load_class_vectors(
                self.class_vectors, self.num_classes, self.emb_channels))
        if self._table.device != like.device or self._table.dtype != like.dtype:
            self._table = self._table.to(like)
        return self._table
