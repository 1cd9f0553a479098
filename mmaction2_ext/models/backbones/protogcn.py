"""ProtoGCN backbone (Liu et al., "Revealing Key Details to See Differences:
A Novel Prototypical Perspective for Skeleton-based Action Recognition").

Module names follow the official code so released checkpoints load unchanged.
Like upstream, no custom weight init: all layers keep PyTorch defaults, and
the learnable topologies start from ``Graph(mode='random')``.
"""
import copy
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmaction.registry import MODELS

from ..utils.graph import Graph

MS_CFG = [(3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1']


class UnitTCN(nn.Module):
    """Temporal conv (k, 1) with optional BN: ``conv`` (+ ``bn``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 1, stride: int = 1, dilation: int = 1,
                 norm: bool = True) -> None:
        super().__init__()
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        self.conv = nn.Conv2d(in_channels, out_channels, (kernel_size, 1),
                              padding=(pad, 0), stride=(stride, 1),
                              dilation=(dilation, 1))
        self.bn = nn.BatchNorm2d(out_channels) if norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class MTEGCN(nn.Module):
    """Spatial graph conv with Motion Topology Enhancement (spec 1.4).

    Input (n, c, t, v); returns ``(out (n, C, t, v), G (n, K*mid, v, v))``
    where G = A_inter + A_intra (the static ``A`` only enters the main path).
    Only ``alpha[0]``/``beta[0]`` are used, as upstream.
    """

    def __init__(self, in_channels: int, out_channels: int, A: torch.Tensor,
                 ratio: float = 0.125) -> None:
        super().__init__()
        self.num_subsets = K = A.size(0)
        self.mid_channels = mid = int(ratio * out_channels)
        self.A = nn.Parameter(A.clone())
        self.pre = nn.Sequential(nn.Conv2d(in_channels, K * mid, 1),
                                 nn.BatchNorm2d(K * mid), nn.ReLU())
        self.post = nn.Conv2d(K * mid, out_channels, 1)
        self.alpha = nn.Parameter(torch.zeros(K))
        self.beta = nn.Parameter(torch.zeros(K))
        self.conv1 = nn.Conv2d(in_channels, K * mid, 1)
        self.conv2 = nn.Conv2d(in_channels, K * mid, 1)
        if in_channels != out_channels:
            self.down = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1),
                                      nn.BatchNorm2d(out_channels))
        else:
            self.down = nn.Identity()
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        n, _, t, v = x.shape
        K, mid = self.num_subsets, self.mid_channels
        res = self.down(x)
        p = self.pre(x).view(n, K, mid, t, v)
        q1 = self.conv1(x).view(n, K, mid, t, v).mean(3)  # (n, K, mid, v)
        q2 = self.conv2(x).view(n, K, mid, t, v).mean(3)
        # channel-specific topology: tanh(Q1_i - Q2_j)   (n, K, mid, v, v)
        inter = torch.tanh(q1.unsqueeze(-1) - q2.unsqueeze(-2)) * self.alpha[0]
        # channel-shared topology, softmax over the source joint i
        intra = torch.einsum('nkci,nkcj->nkij', q1, q2).softmax(-2)
        intra = intra.unsqueeze(2) * self.beta[0]
        dynamic = inter + intra
        y = torch.einsum('nkcti,nkcij->nkctj', p, self.A[None, :, None] +
                         dynamic)
        out = self.relu(self.bn(self.post(y.reshape(n, K * mid, t, v))) + res)
        return out, dynamic.reshape(n, K * mid, v, v)


class MSTCN(nn.Module):
    """Multi-scale temporal conv with a virtual mean joint (spec 1.5).

    ``num_joints`` is fixed at 25 as upstream (coco_new uses the first 20
    ``add_coeff`` entries).
    """

    def __init__(self, in_channels: int, out_channels: int,
                 num_joints: int = 25, stride: int = 1,
                 ms_cfg: List = MS_CFG, dropout: float = 0.) -> None:
        super().__init__()
        self.add_coeff = nn.Parameter(torch.zeros(num_joints))
        num_branches = len(ms_cfg)
        mid = out_channels // num_branches
        rem = out_channels - mid * (num_branches - 1)
        branches = []
        for i, cfg in enumerate(ms_cfg):
            c = rem if i == 0 else mid
            if cfg == '1x1':
                branches.append(nn.Conv2d(in_channels, c, 1,
                                          stride=(stride, 1)))
                continue
            kind, size = cfg
            head = [nn.Conv2d(in_channels, c, 1), nn.BatchNorm2d(c),
                    nn.ReLU()]
            if kind == 'max':
                tail = nn.MaxPool2d((size, 1), stride=(stride, 1),
                                    padding=(1, 0))
            else:  # (kernel, dilation)
                tail = UnitTCN(c, c, kind, stride, size, norm=False)
            branches.append(nn.Sequential(*head, tail))
        self.branches = nn.ModuleList(branches)
        tin = mid * (num_branches - 1) + rem
        self.transform = nn.Sequential(nn.BatchNorm2d(tin), nn.ReLU(),
                                       nn.Conv2d(tin, out_channels, 1))
        self.bn = nn.BatchNorm2d(out_channels)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = x.shape[-1]
        x = torch.cat([x, x.mean(-1, keepdim=True)], -1)
        out = torch.cat([branch(x) for branch in self.branches], 1)
        feat = out[..., :v] + out[..., v:] * self.add_coeff[:v]
        return self.drop(self.bn(self.transform(feat)))


class ProtoGCNBlock(nn.Module):
    """``relu(mstcn(gcn(x)) + residual(x))``; also returns the gcn's G."""

    def __init__(self, in_channels: int, out_channels: int, A: torch.Tensor,
                 stride: int = 1, residual: bool = True,
                 gcn_kwargs: Dict = {}, tcn_kwargs: Dict = {}) -> None:
        super().__init__()
        self.gcn = MTEGCN(in_channels, out_channels, A, **gcn_kwargs)
        self.tcn = MSTCN(out_channels, out_channels, stride=stride,
                         **tcn_kwargs)
        self.relu = nn.ReLU()
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = UnitTCN(in_channels, out_channels, 1, stride)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        res = 0 if self.residual is None else self.residual(x)
        y, graph = self.gcn(x)
        return self.relu(self.tcn(y) + res), graph


class PrototypeReconstruction(nn.Module):
    """PRN: z = W_m softmax(W_q g) for every 384-d graph column g (spec 1.6)."""

    def __init__(self, dim: int, n_prototype: int = 100,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.query_matrix = nn.Linear(dim, n_prototype, bias=False)
        self.memory_matrix = nn.Linear(n_prototype, dim, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, g: torch.Tensor) -> torch.Tensor:
        """(..., dim) -> (..., dim)."""
        return self.dropout(self.memory_matrix(
            self.query_matrix(g).softmax(-1)))


def _split_block_kwargs(kwargs: Dict) -> Tuple[Dict, Dict]:
    """Route ``gcn_*`` / ``tcn_*`` kwargs to the blocks' units (upstream
    convention); unsupported options fail in the units' constructors."""
    unknown = [k for k in kwargs if not k.startswith(('gcn_', 'tcn_'))]
    if unknown:
        raise TypeError(f'ProtoGCN got unexpected arguments {unknown}')
    gcn = {k[4:]: v for k, v in kwargs.items() if k.startswith('gcn_')}
    tcn = {k[4:]: v for k, v in kwargs.items() if k.startswith('tcn_')}
    return gcn, tcn


@MODELS.register_module()
class ProtoGCN(BaseModule):
    """ProtoGCN: MTE graph convs, multi-scale TCNs and prototype
    reconstruction of the last block's dynamic topology.

    Args:
        graph_cfg: kwargs of :class:`Graph` (configs: ``mode='random'``,
            ``num_filter=8``).
        num_prototype: prototypes P of the PRN (400 for j/jm, 100 otherwise).
        prn_dim: PRN width; hard-coded 384 upstream (= last stage width).
        **kwargs: ``gcn_*`` / ``tcn_*`` block options (e.g. ``tcn_ms_cfg``).

    Forward: x (N, M, T, V, C) -> ``(feat (N, M, C', T', V),
    reconstructed_graph (N, V*V))``.
    """

    def __init__(self, graph_cfg: Dict, in_channels: int = 3,
                 base_channels: int = 96, ch_ratio: int = 2,
                 num_stages: int = 10, inflate_stages: List[int] = [5, 8],
                 down_stages: List[int] = [5, 8], data_bn_type: str = 'VC',
                 num_person: int = 2, num_prototype: int = 100,
                 prn_dim: int = 384, pretrained=None, init_cfg=None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        self.graph = Graph(**graph_cfg)
        A = torch.tensor(self.graph.A, dtype=torch.float32)
        V = A.size(1)
        self.data_bn_type = data_bn_type
        if data_bn_type == 'MVC':
            self.data_bn = nn.BatchNorm1d(num_person * in_channels * V)
        elif data_bn_type == 'VC':
            self.data_bn = nn.BatchNorm1d(in_channels * V)
        else:
            self.data_bn = nn.Identity()
        gcn_kwargs, tcn_kwargs = _split_block_kwargs(kwargs)
        stage_kwargs = [(copy.deepcopy(gcn_kwargs), copy.deepcopy(tcn_kwargs))
                        for _ in range(num_stages)]
        # a tuple of length num_stages gives one value per stage (upstream)
        for i, (g, t) in enumerate(stage_kwargs):
            for d in (g, t):
                for k, v in d.items():
                    if isinstance(v, tuple) and len(v) == num_stages:
                        d[k] = v[i]
        stage_kwargs[0][1].pop('dropout', None)

        blocks = []
        if in_channels != base_channels:
            blocks.append(ProtoGCNBlock(in_channels, base_channels, A.clone(),
                                        1, residual=False,
                                        gcn_kwargs=stage_kwargs[0][0],
                                        tcn_kwargs=stage_kwargs[0][1]))
        inflate_times = 0
        channels = base_channels
        for i in range(2, num_stages + 1):
            inflate_times += i in inflate_stages
            out_channels = int(base_channels * ch_ratio**inflate_times + 1e-4)
            blocks.append(ProtoGCNBlock(channels, out_channels, A.clone(),
                                        1 + (i in down_stages),
                                        gcn_kwargs=stage_kwargs[i - 1][0],
                                        tcn_kwargs=stage_kwargs[i - 1][1]))
            channels = out_channels
        self.gcn = nn.ModuleList(blocks)
        self.post = nn.Conv2d(channels, channels, 1)
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.prn = PrototypeReconstruction(prn_dim, num_prototype)
        self.pretrained = pretrained

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        N, M, T, V, C = x.shape
        x = x.permute(0, 1, 3, 4, 2).contiguous()  # N, M, V, C, T
        if self.data_bn_type == 'MVC':
            x = self.data_bn(x.view(N, M * V * C, T))
        else:
            x = self.data_bn(x.view(N * M, V * C, T))
        x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).contiguous()
        x = x.view(N * M, C, T, V)
        for block in self.gcn:
            x, graph = block(x)
        feat = x.reshape((N, M) + x.shape[1:])
        # PRN on the last block's G, averaged over persons; (N, V*V, C')
        graph = graph.view(N, M, -1, V * V).mean(1).transpose(1, 2)
        recon = self.prn(graph).transpose(1, 2).reshape(N, -1, V, V)
        recon = self.relu(self.bn(self.post(recon)))
        return feat, recon.mean(1).view(N, V * V)
