"""Skeleton graphs shared by every GCN in the toolbox (PYSKL ``Graph`` semantics).

mmaction2 1.2.0's ``Graph`` lacks the ``random`` mode (learned topologies start
from noise, ProtoGCN) and the ``coco_new`` layout (COCO-17 plus three virtual
trunk joints). Adjacency helpers are reused from mmaction2.
"""
from typing import Union

import numpy as np
from mmaction.models.utils.graph import (edge2mat, get_hop_distance,
                                         normalize_digraph)

from ...datasets.layouts import GRAPH_LAYOUTS, LAYOUTS

MODES = ('spatial', 'stgcn_spatial', 'binary_adj', 'random')


class Graph:
    """Adjacency tensor ``A`` (K, V, V) of a skeleton layout.

    Args:
        layout: a layout with a graph (``GRAPH_LAYOUTS`` of
            :mod:`mmaction2_ext.datasets.layouts`) or a dict with
            ``num_node``, ``inward`` and ``center``.
        mode: 'spatial' (I, normalised in, normalised out), 'stgcn_spatial',
            'binary_adj' or 'random' (topology ignored:
            ``randn(num_filter, V, V) * init_std + init_off``, drawn from
            numpy's global RNG as upstream, so ``np.random.seed`` fixes it).
        max_hop: hop distance used by 'stgcn_spatial'.
        nx_node: V is multiplied by this in 'random' mode.
    """

    def __init__(self, layout: Union[str, dict] = 'coco',
                 mode: str = 'spatial', max_hop: int = 1, nx_node: int = 1,
                 num_filter: int = 3, init_std: float = 0.02,
                 init_off: float = 0.04) -> None:
        if mode not in MODES:
            raise ValueError(f'Graph mode {mode!r} is not one of {MODES}')
        if isinstance(layout, dict):
            missing = {'num_node', 'inward', 'center'} - set(layout)
            if missing:
                raise ValueError(f'Graph layout dict lacks {sorted(missing)}')
            self.num_node = layout['num_node']
            self.inward = [tuple(e) for e in layout['inward']]
            self.center = layout['center']
        elif layout in GRAPH_LAYOUTS:
            skeleton = LAYOUTS[layout]
            self.num_node, self.center = skeleton.num_joints, skeleton.center
            self.inward = list(skeleton.edges)
        else:
            raise ValueError(f'Graph layout {layout!r} is not one of '
                             f'{sorted(GRAPH_LAYOUTS)} (or a dict)')
        self.layout, self.mode, self.max_hop = layout, mode, max_hop
        self.nx_node, self.num_filter = nx_node, num_filter
        self.init_std, self.init_off = init_std, init_off
        self.self_link = [(i, i) for i in range(self.num_node)]
        self.outward = [(j, i) for i, j in self.inward]
        self.neighbor = self.inward + self.outward
        self.hop_dis = get_hop_distance(self.num_node, self.inward, max_hop)
        self.A = getattr(self, mode)()

    def random(self) -> np.ndarray:
        num_node = self.num_node * self.nx_node
        return (np.random.randn(self.num_filter, num_node, num_node) *
                self.init_std + self.init_off)

    def spatial(self) -> np.ndarray:
        return np.stack((edge2mat(self.self_link, self.num_node),
                         normalize_digraph(edge2mat(self.inward,
                                                    self.num_node)),
                         normalize_digraph(edge2mat(self.outward,
                                                    self.num_node))))

    def binary_adj(self) -> np.ndarray:
        return edge2mat(self.neighbor, self.num_node)[None]

    def stgcn_spatial(self) -> np.ndarray:
        """ST-GCN partitions: per hop, joints closer to / further from centre."""
        adj = np.zeros((self.num_node, self.num_node))
        adj[self.hop_dis <= self.max_hop] = 1
        norm_adj = normalize_digraph(adj)
        to_center = self.hop_dis[:, self.center]
        partitions = []
        for hop in range(self.max_hop + 1):
            at_hop = self.hop_dis == hop  # at_hop[j, i]: j is `hop` from i
            closer = to_center[:, None] >= to_center[None, :]
            partitions.append(np.where(at_hop & closer, norm_adj, 0.))
            if hop > 0:
                partitions.append(np.where(at_hop & ~closer, norm_adj, 0.))
        return np.stack(partitions)
