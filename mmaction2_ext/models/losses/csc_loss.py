"""Class-specific contrastive (CSC) loss of ProtoGCN (spec 1.8)."""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

from ..utils.dist import all_reduce_mean, is_distributed
from .memory_state import MemoryStateMixin


class ClassSpecificContrastiveLoss(MemoryStateMixin, nn.Module):
    """Contrast projected reconstructed graphs h_b with class memories m_k.

    The memory ``avg_f`` (h_channel, n_class) is a momentum average of the
    projections of *correctly classified* samples. It starts as
    ``torch.randn`` (drawn before ``cl_fc`` as upstream), is a non-persistent
    buffer (not in the state_dict, follows ``.to(device)``) but training
    state (:class:`MemoryStateMixin`): ``--resume`` continues with it. Under
    DDP the per-class sums and counts are all-reduced so every rank keeps the
    same memory; the gradient path stays local.

    Args:
        n_class: K.
        n_channel: input width (V*V: 625 for nturgb+d, 400 for coco_new).
        tmp: temperature; mom: memory momentum; pred_threshold: minimum
            softmax probability of a correct prediction (0 = any).
    """

    memory_buffers = ('avg_f', )

    def __init__(self, n_class: int, n_channel: int = 625,
                 h_channel: int = 256, tmp: float = 0.125, mom: float = 0.9,
                 pred_threshold: float = 0.0) -> None:
        super().__init__()
        self.n_class, self.tmp, self.mom = n_class, tmp, mom
        self.pred_threshold = pred_threshold
        self.register_buffer('avg_f', torch.randn(h_channel, n_class),
                             persistent=False)
        self.cl_fc = nn.Linear(n_channel, h_channel)

    def correct_mask(self, labels: torch.Tensor,
                     logits: torch.Tensor) -> torch.Tensor:
        """(B, K) float: 1 where b is of class k and predicted as k."""
        onehot = F.one_hot(labels, self.n_class).float()
        pred = F.one_hot(logits.argmax(1), self.n_class).float()
        confident = (logits.softmax(1) > self.pred_threshold).float()
        return onehot * pred * confident

    def update_memory(self, h: torch.Tensor,
                      mask: torch.Tensor) -> torch.Tensor:
        """Momentum update; returns the new memory, with gradient into h."""
        sums = h.t() @ mask  # (h_channel, K)
        counts = mask.sum(0, keepdim=True)  # (1, K)
        if is_distributed():
            world = dist.get_world_size()
            total = all_reduce_mean(sums.detach().clone()) * world
            sums = sums + (total - sums.detach())  # global value, local grad
            counts = all_reduce_mean(counts.clone()) * world
        class_mean = sums / (counts + 1e-12)
        keep = torch.where(counts > 1e-8, self.mom, 1.0)
        memory = self.avg_f.detach() * keep + (1 - keep) * class_mean
        self.avg_f = memory.detach()
        return memory

    def forward(self, graph: torch.Tensor, labels: torch.Tensor,
                logits: torch.Tensor) -> torch.Tensor:
        """graph (B, n_channel), labels (B,), logits (B, K) -> scalar."""
        h = self.cl_fc(graph)
        memory = self.update_memory(h, self.correct_mask(labels, logits))
        h = h / (h.norm(dim=1, keepdim=True) + 1e-12)
        memory = memory / (memory.norm(dim=0, keepdim=True) + 1e-12)
        return F.cross_entropy(h @ memory / self.tmp, labels)
