"""Small memory-update cases shared by the DDP worker and its test: one global
batch, split into contiguous per-rank slices."""
import torch
import torch.nn.functional as F

from mmaction2_ext.models.losses.csc_loss import ClassSpecificContrastiveLoss
from mmaction2_ext.models.losses.proto_calibration import (
    HierProtoCalibration, ProtoCalibration)

CASES = ('csc', 'body', 'action')
BATCH, CHANNELS, CLASSES, BODIES = 8, 6, 4, 2


def build(name: str) -> torch.nn.Module:
    torch.manual_seed(0)  # every rank starts from the same memory and weights
    if name == 'csc':
        return ClassSpecificContrastiveLoss(CLASSES, n_channel=CHANNELS,
                                            h_channel=5)
    if name == 'body':
        return ProtoCalibration(CHANNELS, CLASSES, 5)
    return HierProtoCalibration(CHANNELS, CLASSES, 5, n_body=BODIES)


def global_batch(name: str):
    """Inputs of ``build(name)`` for the whole batch; most predictions right,
    so every class has true positives somewhere."""
    g = torch.Generator().manual_seed(1)
    feat = torch.randn(BATCH, CHANNELS, generator=g)
    label = torch.arange(BATCH) % CLASSES
    logit = 3 * F.one_hot(label, CLASSES) + torch.randn(BATCH, CLASSES, generator=g)
    if name != 'action':
        return feat, label, logit
    body = label % BODIES
    body_logit = 3 * F.one_hot(body, BODIES) + torch.randn(BATCH, BODIES, generator=g)
    return feat, body, label, body_logit, logit


def run_case(name: str, rank: int = 0, world: int = 1) -> torch.Tensor:
    """One update with this rank's slice; the memory the module holds after."""
    module = build(name)
    step = BATCH // world
    inputs = [x[rank * step:(rank + 1) * step] for x in global_batch(name)]
    module(*inputs)
    return module.avg_f.detach().clone()
