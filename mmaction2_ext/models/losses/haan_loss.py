"""HAAN's four losses (spec 2.2), batched over padded videos.

Every function returns one value per video ``(B,)``; the model sums them over
the batch as upstream does. Shapes: B videos, T padded clips (``valid`` marks
the real ones), C fine classes, G coarse classes, K visual concepts, d
feature size.
"""
from typing import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmaction.registry import MODELS

COS_EPS = 1e-8  # F.cosine_similarity's eps


def mil_scores(logits: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Video score per class: mean of the clips at or above the class's
    temporal mean (not top-k). ``(B, T, C), (B, T) -> (B, C)``."""
    mask = valid.unsqueeze(-1)
    num_clips = valid.sum(1, keepdim=True).to(logits.dtype)
    mean = (logits * mask).sum(1) / num_clips
    above = (logits >= mean.unsqueeze(1)) & mask
    return (logits * above).sum(1) / above.sum(1)


def mil_loss(logits, valid, labels, weights) -> torch.Tensor:
    """L_mil: weighted BCE of :func:`mil_scores`, mean over C. ``-> (B,)``."""
    return F.binary_cross_entropy_with_logits(
        mil_scores(logits, valid), labels, weight=weights,
        reduction='none').mean(-1)


def pseudo_label_loss(logits, pseudo_labels, valid, cluster_weights):
    """L_pseudo: CE with weights pi (weighted mean), divided again by T.

    Args:
        logits: ``(B, T, K)``; pseudo_labels: ``(B, T)`` long (padding any
            value); cluster_weights: pi ``(K,)``.
    """
    labels = pseudo_labels.masked_fill(~valid, 0)
    weighted_nll = F.cross_entropy(logits.flatten(0, 1), labels.flatten(),
                                   weight=cluster_weights,
                                   reduction='none').view_as(labels)
    mask = valid.to(logits.dtype)
    norm = (cluster_weights[labels] * mask).sum(1)
    return (weighted_nll * mask).sum(1) / norm / mask.sum(1)


def visual_concepts(features, pseudo_labels, valid, num_concepts):
    """v_k: mean clip feature of each cluster in each video, zero if the video
    has no clip of it. ``(B, T, d) -> (B, K, d)``."""
    b, t, d = features.shape
    video = torch.arange(b, device=features.device).unsqueeze(1).expand(b, t)
    # padded clips go to an extra row that is dropped
    slot = torch.where(valid, video * num_concepts + pseudo_labels,
                       torch.full_like(pseudo_labels, b * num_concepts))
    slot = slot.flatten()
    sums = features.new_zeros(b * num_concepts + 1, d).index_add(
        0, slot, features.reshape(b * t, d))
    counts = features.new_zeros(b * num_concepts + 1).index_add(
        0, slot, features.new_ones(b * t))
    concepts = sums / counts.clamp(min=1).unsqueeze(1)
    return concepts[:-1].view(b, num_concepts, d)


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp(min=COS_EPS)


def fine_level_reps(prototypes, concepts, top_k):
    """r_c: sum of the ``top_k`` concepts most cosine-similar to prototype W_c
    (selection detached), divided by ``top_k``. ``(C, d), (B, K, d) ->
    (B, C, d)``."""
    with torch.no_grad():
        similarity = _unit(concepts) @ _unit(prototypes).t()  # (B, K, C)
        top = similarity.transpose(1, 2).topk(top_k, dim=-1).indices
    b, k, d = concepts.shape
    # index the flat (B*K, d) concepts: an expand + gather would make the
    # backward pass allocate a (B, C, K, d) gradient
    offset = torch.arange(b, device=top.device).view(b, 1, 1) * k
    picked = concepts.reshape(b * k, d)[top + offset]  # (B, C, top_k, d)
    return picked.sum(2) / top_k


def concept_loss(prototypes, fine_reps, labels):
    """L_concept: mean cosine distance 1 - cos(W_c, r_c) over positive c."""
    distance = 1 - F.cosine_similarity(prototypes.unsqueeze(0), fine_reps,
                                       dim=-1)
    return (distance * labels).sum(-1) / labels.sum(-1)


@MODELS.register_module()
class HAANLoss(nn.Module):
    """The weighted sum of spec 2.2, per video, summed over the batch.

    Args:
        fine_to_coarse: coarse id of every fine class, ``(C,)``.
        loss_weights: lambda_1..lambda_4 (mil, pseudo, concept, coarse).
        num_visual_concepts: K; num_top_visual_concepts: top-k concepts per
            class; fine_to_coarse_pooling: 'mean' (FineGym) or 'max'
            (FineAction).
    """

    def __init__(self, fine_to_coarse: Sequence[int],
                 loss_weights: Sequence[float] = (1., 1e-3, 1e-2, 1e-1),
                 num_visual_concepts: int = 500,
                 num_top_visual_concepts: int = 5,
                 fine_to_coarse_pooling: str = 'mean'):
        super().__init__()
        if fine_to_coarse_pooling not in ('mean', 'max'):
            raise ValueError('fine_to_coarse_pooling must be mean or max, got '
                             f'{fine_to_coarse_pooling!r}')
        self.loss_weights = tuple(loss_weights)
        self.num_visual_concepts = num_visual_concepts
        self.top_k = num_top_visual_concepts
        self.pooling = fine_to_coarse_pooling
        f2c = torch.as_tensor(list(fine_to_coarse), dtype=torch.long)
        groups = [torch.nonzero(f2c == g).flatten()
                  for g in range(int(f2c.max()) + 1)]
        if any(len(m) == 0 for m in groups):
            raise ValueError('every coarse class 0..G-1 needs a fine class')
        width = max(len(m) for m in groups)
        members = torch.stack(
            [torch.cat([m, m[:1].repeat(width - len(m))]) for m in groups])
        self.register_buffer('coarse_members', members, persistent=False)
        mean = torch.zeros(len(groups), len(f2c))
        mean[f2c, torch.arange(len(f2c))] = 1.
        self.register_buffer('coarse_mean', mean / mean.sum(1, keepdim=True),
                             persistent=False)

    @property
    def num_coarse_classes(self) -> int:
        return self.coarse_members.shape[0]

    def coarse_reps(self, fine_reps: torch.Tensor) -> torch.Tensor:
        """``(B, C, d) -> (B, G, d)``."""
        if self.pooling == 'mean':
            return torch.einsum('gc,bcd->bgd', self.coarse_mean, fine_reps)
        # rows of coarse_members are padded with a repeated member: max-safe
        return fine_reps[:, self.coarse_members].max(2).values

    def forward(self, fine_feats, fine_logits, pseudo_logits, prototypes,
                valid, pseudo_labels, cluster_weights, fine_labels,
                fine_weights, coarse_labels, coarse_weights,
                coarse_classifier: Callable) -> dict:
        """Args (B videos, T clips): fine_feats ``(B, T, d)`` (hidden
        activations h of the fine classifier), fine_logits ``(B, T, C)``,
        pseudo_logits ``(B, T, K)``, prototypes W ``(C, d)`` (detached),
        valid ``(B, T)`` bool, pseudo_labels ``(B, T)``, cluster_weights pi
        ``(K,)``, fine/coarse labels and weights ``(B, C)``/``(B, G)``,
        coarse_classifier maps ``(B, G, d)`` to logits ``(B, G, 1)``.

        Returns:
            ``loss_mil, loss_pseudo, loss_concept, loss_coarse``:
            lambda-weighted, summed over the videos.
        """
        l1, l2, l3, l4 = self.loss_weights
        concepts = visual_concepts(fine_feats, pseudo_labels, valid,
                                   self.num_visual_concepts)
        fine_reps = fine_level_reps(prototypes, concepts, self.top_k)
        coarse_logits = coarse_classifier(self.coarse_reps(fine_reps))
        coarse = F.binary_cross_entropy_with_logits(
            coarse_logits.squeeze(-1), coarse_labels, weight=coarse_weights,
            reduction='none').mean(-1)
        return dict(
            loss_mil=l1 * mil_loss(fine_logits, valid, fine_labels,
                                   fine_weights).sum(),
            loss_pseudo=l2 * pseudo_label_loss(pseudo_logits, pseudo_labels,
                                               valid, cluster_weights).sum(),
            loss_concept=l3 * concept_loss(prototypes, fine_reps,
                                           fine_labels).sum(),
            loss_coarse=l4 * coarse.sum())
