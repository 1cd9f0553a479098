"""PCAN prototype calibration (FR-Head "RenovateNet" style), body and action level.

Both modules keep a class-prototype memory ``avg_f`` (C, K) updated by an EMA of
the true-positive features, and score every sample against the memory with its
ground-truth column corrected towards false negatives (pull) and away from
false positives (push); the loss is the cross entropy of those scores.
Symbols follow the spec (pcan.md 1.4 / 1.5): f (B, C) embedded features,
Y / Ŷ one-hot labels / predictions (B, K), p = softmax(z).
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..utils import all_reduce_mean
from .memory_state import MemoryStateMixin

EPS = 1e-12


def _unit_columns(m: torch.Tensor) -> torch.Tensor:
    """Normalise each column of a (C, K) matrix (ε-guarded)."""
    return m / (m.norm(dim=0, keepdim=True) + EPS)


def _has(mask: torch.Tensor) -> torch.Tensor:
    """(K,) 1. where any sample of the batch falls in the set of class k."""
    return (mask.sum(0) > 1e-8).float()


def _corrected_logits(f_hat: torch.Tensor, mem_hat: torch.Tensor,
                      centroids: torch.Tensor, has: torch.Tensor,
                      pmap: torch.Tensor, push: bool, tmp: float) -> torch.Tensor:
    """(B, K) logits ``(S_mem + S_set ⊙ pmap ⊙ has) / tmp``.

    S_set = cos(f, centroid) - 1 for a pull (FN) set and -cos - 1 for a push
    (FP) set; pmap is non-zero only on the ground-truth column.
    """
    cos = f_hat @ _unit_columns(centroids)
    s_set = (-cos if push else cos) - 1
    return (f_hat @ mem_hat + s_set * pmap * has) / tmp


class _ProtoMemory(nn.Module):
    """Shared parts: embedding ``cl_fc``, EMA memory update, diversity term."""

    def __init__(self, n_channel: int, n_class: int, h_channel: int,
                 alp: float = 0.125, tmp: float = 0.125, mom: float = 0.9,
                 sync: bool = True) -> None:
        super().__init__()
        self.n_class, self.alp, self.tmp, self.mom = n_class, alp, tmp, mom
        self.sync = sync
        # RNG order as upstream: the memory is drawn before cl_fc.
        self._init_memory(torch.randn(h_channel, n_class))
        self.cl_fc = nn.Linear(n_channel, h_channel)

    def _init_memory(self, table: torch.Tensor) -> None:
        raise NotImplementedError

    def update_memory(self, f: torch.Tensor, tp: torch.Tensor) -> torch.Tensor:
        """EMA of the per-class TP means; returns P_new (C, K) with its graph.

        P_new[:, k] = mom·P_old[:, k] + (1-mom)·mean_TP(f)[:, k] where class k
        has a TP in the batch, else P_old[:, k]. The stored copy is averaged
        over ranks under DDP (upstream keeps one per GPU).
        """
        p_old = self.avg_f.detach().clone()
        count = tp.sum(0, keepdim=True)
        f_tp = f.t() @ tp / (count + EPS)
        keep = torch.where(count > 1e-8, self.mom, 1.0)
        p_new = p_old * keep + (1 - keep) * f_tp
        stored = p_new.detach().clone()
        if self.sync:
            all_reduce_mean(stored)
        with torch.no_grad():
            self.avg_f.copy_(stored)
        return p_new

    def pmap(self, p: torch.Tensor, y_one: torch.Tensor) -> torch.Tensor:
        return (1 - p) * y_one * self.alp


class ProtoCalibration(MemoryStateMixin, _ProtoMemory):
    """Body-level calibration (``RenovateNet``): TP / FN / FP sets.

    The memory is a non-persistent buffer: upstream keeps it as a plain
    attribute, so it is never saved and restarts random after loading.
    It is training state (:class:`MemoryStateMixin`), so ``--resume``
    continues with it. ``persistent=True`` puts it in the state_dict instead
    (adds a key).
    """

    memory_buffers = ('avg_f', )

    def __init__(self, *args, persistent: bool = False, **kwargs) -> None:
        self._persistent = persistent
        super().__init__(*args, **kwargs)

    def _init_memory(self, table: torch.Tensor) -> None:
        self.register_buffer('avg_f', table, persistent=self._persistent)

    def forward(self, feat: torch.Tensor, label: torch.Tensor,
                logit: torch.Tensor) -> torch.Tensor:
        """feat (B, Cin), label (B,), logit (B, K) -> scalar loss."""
        f = self.cl_fc(feat)
        y_one = F.one_hot(label, self.n_class).float()
        pred_one = F.one_hot(logit.argmax(1), self.n_class).float()
        p = logit.softmax(1)
        tp = y_one * pred_one
        fn, fp = y_one - tp, pred_one - tp
        tp = tp * (p > 0).float()  # upstream's pred_threshold=0 gate
        p_new = self.update_memory(f, tp)

        f_hat = f / (f.norm(dim=1, keepdim=True) + EPS)
        mem_hat = _unit_columns(p_new)
        pmap = self.pmap(p, y_one)
        ft = f.t()
        losses = [F.cross_entropy(_corrected_logits(
            f_hat, mem_hat, ft @ m, _has(m), pmap, push, self.tmp), label,
            reduction='none') for m, push in ((fn, False), (fp, True))]
        return (losses[0] + losses[1]).mean()


class HierProtoCalibration(_ProtoMemory):
    """Action-level calibration (``RenovateNet_Fine``) with the action tree.

    Sets (B, K): TP = fine right & body right (feeds the memory);
    FN1 = fine wrong & body right; FN2 = fine right & body wrong;
    FN3 = both wrong; FP = predicted action that is not the label.
    Loss = mean_b[CE(w1·L_FN1) + CE(w2·L_FN2) + CE(w3·L_FN3) + CE(L_FP)] + D,
    with (w1, w2, w3) = ``fn_scales`` and D = ‖cos(P_new)‖_F the prototype
    diversity. Upstream's D reaches no trainable weight (it is taken on a
    fresh detached copy); ``diversity_grad=True`` lets it flow into cl_fc.
    """

    def __init__(self, *args, n_body: int = 7,
                 fn_scales: Sequence[float] = (1.0, 0.1, 0.5),
                 diversity_grad: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.n_body = n_body
        self.fn_scales = tuple(fn_scales)
        self.diversity_grad = diversity_grad

    def _init_memory(self, table: torch.Tensor) -> None:
        # A saved, frozen Parameter: the key of the official checkpoints.
        self.avg_f = nn.Parameter(table, requires_grad=False)

    def sets(self, y_body, y, z_body, z) -> Tuple[torch.Tensor, ...]:
        """(TP, FN1, FN2, FN3, FP), each (B, K) float."""
        body_right = (z_body.argmax(1) == y_body).float()[:, None]
        y_one = F.one_hot(y, self.n_class).float()
        pred_one = F.one_hot(z.argmax(1), self.n_class).float()
        tp, fn = y_one * pred_one, y_one * (1 - pred_one)
        fp = (1 - y_one) * pred_one
        return (tp * body_right, fn * body_right, tp * (1 - body_right),
                fn * (1 - body_right), fp)

    @staticmethod
    def diversity(protos: torch.Tensor) -> torch.Tensor:
        """Frobenius norm of the (K, K) cosine matrix of the (C, K) memory."""
        norm = protos.norm(dim=0, keepdim=True)
        return (protos.t() @ protos / (norm.t() @ norm)).norm(p='fro')

    def forward(self, feat: torch.Tensor, label_body: torch.Tensor,
                label: torch.Tensor, logit_body: torch.Tensor,
                logit: torch.Tensor) -> torch.Tensor:
        """feat (B, Cin), labels (B,), logits (B, 7) / (B, K) -> scalar."""
        f = self.cl_fc(feat)
        tp, fn1, fn2, fn3, fp = self.sets(label_body, label, logit_body, logit)
        p_new = self.update_memory(f, tp)

        f_hat = f / (f.norm(dim=1, keepdim=True) + EPS)
        mem_hat = _unit_columns(p_new)
        pmap = self.pmap(logit.softmax(1), F.one_hot(label, self.n_class).float())
        ft = f.t()
        loss = 0.
        for m, scale in zip((fn1, fn2, fn3), self.fn_scales):
            logits = _corrected_logits(f_hat, mem_hat, ft @ m, _has(m), pmap,
                                       False, self.tmp)
            loss = loss + F.cross_entropy(scale * logits, label, reduction='none')
        loss = loss + F.cross_entropy(_corrected_logits(
            f_hat, mem_hat, ft @ fp, _has(fp), pmap, True, self.tmp), label,
            reduction='none')
        protos = p_new if self.diversity_grad else p_new.detach()
        return loss.mean() + self.diversity(protos)


class PooledCalibration(nn.Module):
    """``ST_RenovateNet`` wrapper: spatial max pool, then ``spatio_cl_net``.

    Upstream calls the pool ``avgpool`` although it is a max pool.
    Input (B, C, H, W) (the temporal mean of the backbone features).
    """

    def __init__(self, calibration: nn.Module) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveMaxPool2d(1)
        self.spatio_cl_net = calibration

    def forward(self, raw_feat: torch.Tensor, *args) -> torch.Tensor:
        return self.spatio_cl_net(self.avgpool(raw_feat).flatten(1), *args)
