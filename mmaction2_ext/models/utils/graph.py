"""Skeleton graphs shared by every GCN in the toolbox (PYSKL ``Graph`` semantics).

mmaction2 1.2.0's ``Graph`` lacks the ``random`` mode (learned topologies start
from noise, ProtoGCN) and the ``coco_new`` layout (COCO-17 plus three virtual
trunk joints). Adjacency helpers are reused from mmaction2.
"""
from typing import Dict, List, Tuple, Union

import numpy as np
from mmaction.models.utils.graph import (edge2mat, get_hop_distance,
                                         normalize_digraph)

# (num_node, inward edges (child, parent), center joint)
_NTU_EDGES_1BASED = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5),
                     (7, 6), (8, 7), (9, 21), (10, 9), (11, 10), (12, 11),
                     (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17),
                     (19, 18), (20, 19), (22, 8), (23, 8), (24, 12), (25, 12)]
_COCO_LIMBS = [(15, 13), (13, 11), (16, 14), (14, 12), (9, 7), (7, 5),
               (10, 8), (8, 6), (1, 0), (3, 1), (2, 0), (4, 2)]
LAYOUTS: Dict[str, Tuple[int, List[Tuple[int, int]], int]] = {
    'openpose': (18, [(4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11),
                      (10, 9), (9, 8), (11, 5), (8, 2), (5, 1), (2, 1),
                      (0, 1), (15, 0), (14, 0), (17, 15), (16, 14)], 1),
    'nturgb+d': (25, [(i - 1, j - 1) for i, j in _NTU_EDGES_1BASED], 20),
    'coco': (17, _COCO_LIMBS + [(11, 5), (12, 6), (5, 0), (6, 0)], 0),
    # 17 = hip centre, 18 = spine middle, 19 = shoulder centre (neck)
    'coco_new': (20, _COCO_LIMBS + [(11, 17), (12, 17), (5, 19), (6, 19),
                                    (0, 19), (17, 18), (18, 19)], 19),
}

MODES = ('spatial', 'stgcn_spatial', 'binary_adj', 'random')


class Graph:
    """Adjacency tensor ``A`` (K, V, V) of a skeleton layout.

    Args:
        layout: a name in :data:`LAYOUTS` or a dict with ``num_node``,
            ``inward`` and ``center``.
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
        elif layout in LAYOUTS:
            self.num_node, self.inward, self.center = LAYOUTS[layout]
        else:
            raise ValueError(f'Graph layout {layout!r} is not one of '
                             f'{sorted(LAYOUTS)} (or a dict)')
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
