"""HAAN: weakly-supervised temporal action detection with hierarchical atomic
actions (Li, He & Xu, ECCV 2022) as one mmengine model.

Four per-clip MLPs with the official names and keys (spec 1.3):
``encoder``, ``fine_level_classifier``, ``pseudo_label_classifier``,
``coarse_level_classifier``. Training needs the k-means pseudo-labels that
:class:`~mmaction2_ext.engine.hooks.HAANPseudoLabelHook` sets every 5 epochs.
"""
import json
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mmaction.registry import MODELS
from ...datasets import labels
from ...evaluation.functional import haan_detections
from ..losses.memory_state import MemoryStateMixin

#: the official class hierarchies shipped as package data (SOURCES.md)
HIERARCHIES = ('finegym', 'fineaction')


class ClipMLP(nn.Module):
    """Linear -> ReLU -> Dropout -> Linear on every clip (upstream
    ``model.Model``). ``(..., n_in) -> (h (..., n_hidden), y (..., n_out))``."""

    def __init__(self, n_in: int, n_hidden: int, n_out: int,
                 dropout_rate: float):
        super().__init__()
        self.hidden_layer = nn.Linear(n_in, n_hidden)
        self.dropout = nn.Dropout(dropout_rate)
        self.out_layer = nn.Linear(n_hidden, n_out)

    def forward(self, x: torch.Tensor):
        h = self.dropout(torch.relu(self.hidden_layer(x)))
        return h, self.out_layer(h)


def hierarchy_path(name: str) -> str:
    """A shipped hierarchy (``'finegym'``, ``'fineaction'``) or a path to an
    official ``fine_to_coarse_mappings.json``, as a path."""
    if name in HIERARCHIES:
        return osp.join(osp.dirname(labels.__file__),
                        f'{name}_fine_to_coarse.json')
    if not osp.isfile(name):
        raise FileNotFoundError(f'class hierarchy {name} does not exist')
    return name


def load_fine_to_coarse(mapping: Union[str, Mapping, Sequence]) -> List[int]:
    """Coarse id of every fine class from a shipped hierarchy's name, the
    official json path, a ``{fine: coarse}`` dict or a list."""
    if isinstance(mapping, str):
        with open(hierarchy_path(mapping)) as f:
            mapping = json.load(f)
    if isinstance(mapping, Mapping):
        mapping = {int(k): int(v) for k, v in mapping.items()}
        if sorted(mapping) != list(range(len(mapping))):
            raise ValueError('fine_to_coarse must cover fine ids 0..C-1')
        return [mapping[c] for c in range(len(mapping))]
    return [int(v) for v in mapping]


@MODELS.register_module()
class HAAN(MemoryStateMixin, BaseModel):
    """Args:
        feature_size: D of the I3D clip features.
        encoded_feature_size: d (hidden and output size of every MLP).
        fine_to_coarse: see :func:`load_fine_to_coarse`; gives C and G.
        dropout_rate: for all four MLPs.
        num_visual_concepts: K k-means clusters.
        loss: :class:`HAANLoss` settings (lambdas, top-k, pooling).
        test_cfg: ``alpha`` and ``kmax_mod_factor`` of the detections.
    """

    memory_buffers = ('pseudo_label_weights', )

    def __init__(self, feature_size: int, encoded_feature_size: int,
                 fine_to_coarse, dropout_rate: float = 0.5,
                 num_visual_concepts: int = 500,
                 loss: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        f2c = load_fine_to_coarse(fine_to_coarse)
        d = encoded_feature_size
        # built in upstream's order, so one seed gives upstream's init
        self.encoder = ClipMLP(feature_size, d, d, dropout_rate)
        self.fine_level_classifier = ClipMLP(d, d, len(f2c), dropout_rate)
        self.pseudo_label_classifier = ClipMLP(d, d, num_visual_concepts,
                                               dropout_rate)
        self.coarse_level_classifier = ClipMLP(d, d, 1, dropout_rate)
        self.loss_module = MODELS.build(dict(
            type='HAANLoss', fine_to_coarse=f2c,
            num_visual_concepts=num_visual_concepts, **(loss or {})))
        self.test_cfg = {**dict(alpha=0.1, kmax_mod_factor=2),
                         **(test_cfg or {})}
        self.num_visual_concepts = num_visual_concepts
        self.pseudo_labels: Dict[str, np.ndarray] = {}
        self.register_buffer('pseudo_label_weights',
                             torch.zeros(num_visual_concepts),
                             persistent=False)

    def set_pseudo_labels(self, labels: Dict[str, np.ndarray],
                          weights: torch.Tensor) -> None:
        """Per-video clip cluster ids and the cluster weights pi ``(K,)``."""
        self.pseudo_labels = labels
        self.pseudo_label_weights.copy_(torch.as_tensor(weights))

    def training_state_dict(self) -> dict:
        """pi and the pseudo-labels (kept outside the state_dict, as
        upstream): ``--resume`` continues with them, not re-clustering."""
        return dict(super().training_state_dict(), pseudo_labels={
            name: torch.from_numpy(np.asarray(labels))
            for name, labels in self.pseudo_labels.items()})

    def load_training_state_dict(self, state: dict) -> None:
        if 'pseudo_labels' not in state:
            raise ValueError('no pseudo_labels')
        super().load_training_state_dict(state)
        self.pseudo_labels = {name: labels.numpy() for name, labels
                              in state['pseudo_labels'].items()}

    def encode(self, inputs: torch.Tensor) -> torch.Tensor:
        """Encoded clip features ``(B, T, D) -> (B, T, d)``."""
        return self.encoder(inputs.float())[1]

    def forward(self, inputs: torch.Tensor, data_samples: dict,
                mode: str = 'tensor'):
        """``inputs (B, T, D)`` padded clip features; ``data_samples`` the
        batch fields of ``haan_collate``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.fine_level_classifier(self.encode(inputs))[1]
        raise RuntimeError(f'Invalid mode "{mode}"')

    def _batch_pseudo_labels(self, names, seq_lens, length, device):
        if not self.pseudo_labels:
            raise RuntimeError('HAAN needs pseudo-labels: add '
                               "dict(type='HAANPseudoLabelHook') to "
                               'custom_hooks')
        labels = np.zeros((len(names), length), dtype=np.int64)
        for i, (name, n) in enumerate(zip(names, seq_lens)):
            labels[i, :n] = self.pseudo_labels[name][:n]
        return torch.from_numpy(labels).to(device)

    def _clip_outputs(self, x: torch.Tensor, valid: torch.Tensor):
        """h, fine logits and pseudo logits ``(B, T, .)``, zero on padding.

        The MLPs act clip by clip, so they run on the real clips only (upstream
        also runs them on the padding, which the losses then mask out).
        """
        encoded = self.encode(x[valid])  # (N_real, d)
        feats, fine_logits = self.fine_level_classifier(encoded)
        pseudo_logits = self.pseudo_label_classifier(encoded)[1]
        return [t.new_zeros(*valid.shape, t.shape[-1]).index_put(
            (valid, ), t) for t in (feats, fine_logits, pseudo_logits)]

    def loss(self, inputs: torch.Tensor, data_samples: dict) -> dict:
        seq_lens = data_samples['seq_lens']
        length = int(seq_lens.max())
        x = inputs[:, :length]
        valid = torch.arange(length, device=x.device) < seq_lens.to(
            x.device).unsqueeze(1)
        fine_feats, fine_logits, pseudo_logits = self._clip_outputs(x, valid)
        pseudo_labels = self._batch_pseudo_labels(
            data_samples['video_names'], seq_lens.tolist(), length, x.device)
        return self.loss_module(
            fine_feats, fine_logits, pseudo_logits,
            self.fine_level_classifier.out_layer.weight.detach(), valid,
            pseudo_labels, self.pseudo_label_weights,
            data_samples['fine_labels'].float(),
            data_samples['fine_weights'].float(),
            data_samples['coarse_labels'].float(),
            data_samples['coarse_weights'].float(),
            lambda reps: self.coarse_level_classifier(reps)[1])

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: dict) -> List[dict]:
        """Per video: its detections (spec 4) and its ground truth."""
        return self.detections(self.forward(inputs, data_samples,
                                            mode='tensor'), data_samples)

    def detections(self, logits: torch.Tensor, data_samples: dict
                   ) -> List[dict]:
        """:meth:`predict`'s results from the fine logits ``(B, T, C)``
        (every backend's post-processing: PyTorch, ONNX Runtime)."""
        results = []
        for i, n in enumerate(data_samples['seq_lens'].tolist()):
            ratio = float(data_samples['sec2clip_ratios'][i])
            results.append(dict(
                video_name=data_samples['video_names'][i],
                index=int(data_samples['indices'][i]),
                sec2clip_ratio=ratio,
                detections=haan_detections(logits[i, :n].float(), ratio,
                                           **self.test_cfg),
                gt_segments=np.asarray(data_samples['gt_segments'][i]),
                gt_labels=np.asarray(data_samples['gt_labels'][i])))
        return results
