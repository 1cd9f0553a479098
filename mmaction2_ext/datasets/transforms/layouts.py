"""Keypoint layouts for heatmap pipelines: joint count, limbs, flip pairs.

Configs spell these lists out as settings (as every OpenMMLab config does);
tests check the configs against this module, which is the one source.
"""
from typing import Dict, List, Sequence, Tuple


def mirror_limbs(limbs: Sequence[Tuple[int, int]], left_kp: Sequence[int],
                 right_kp: Sequence[int]) -> Tuple[List[int], List[int]]:
    """Left/right limb index lists implied by a keypoint flip map.

    A limb is "left" when flipping its two joints gives another limb of the list.
    """
    swap = dict(zip(left_kp, right_kp))
    swap.update(zip(right_kp, left_kp))
    index = {frozenset(limb): i for i, limb in enumerate(limbs)}
    left, right = [], []
    for i, (a, b) in enumerate(limbs):
        j = index.get(frozenset((swap.get(a, a), swap.get(b, b))))
        if j is not None and j != i and i not in right:
            left.append(i)
            right.append(j)
    return left, right


# iMiGUE (MiGA 2023 challenge release): 22 upper-body + hand joints, inferred
# roles: 2 neck/body centre, arms 3-4-5 and 6-7-8 (5, 8 wrists), hand points
# 12-16 on 5 and 17-21 on 8, head cluster 0/1/9/10/11 (names unverified).
IMIGUE_LIMBS = ((0, 1), (2, 1), (2, 3), (3, 4), (4, 5), (2, 6), (6, 7),
                (7, 8), (1, 9), (9, 11), (1, 10), (10, 11), (5, 12), (5, 13),
                (5, 14), (5, 15), (5, 16), (8, 17), (8, 18), (8, 19), (8, 20),
                (8, 21))

IMIGUE: Dict = dict(
    num_joints=22,
    skeletons=IMIGUE_LIMBS,
    # Faithful to the official configs (and the released weights): COCO-style
    # odd/even pairs that do NOT mirror this skeleton (they swap e.g. 3 <-> 4,
    # two joints of one arm). Keep them to reproduce the official numbers.
    left_kp=(1, 3, 5, 7, 9, 11, 13, 15, 17, 19),
    right_kp=(2, 4, 6, 8, 10, 12, 14, 16, 18, 20),
    left_limb=(1, 3, 5, 7, 9, 11, 13, 15, 17, 19),
    right_limb=(2, 4, 6, 8, 10, 12, 14, 16, 18, 20),
)

# Opt-in topology-correct mirror map: arm chains swap, hands swap point by
# point (finger order assumed equal on both hands), 9 <-> 10 around 1/11.
_TOPO_LEFT = (3, 4, 5, 9, 12, 13, 14, 15, 16)
_TOPO_RIGHT = (6, 7, 8, 10, 17, 18, 19, 20, 21)
_TOPO_LEFT_LIMB, _TOPO_RIGHT_LIMB = mirror_limbs(IMIGUE_LIMBS, _TOPO_LEFT,
                                                 _TOPO_RIGHT)
IMIGUE_MIRRORED: Dict = dict(
    IMIGUE,
    left_kp=_TOPO_LEFT,
    right_kp=_TOPO_RIGHT,
    left_limb=tuple(_TOPO_LEFT_LIMB),
    right_limb=tuple(_TOPO_RIGHT_LIMB),
)

LAYOUTS = {'imigue': IMIGUE, 'imigue_mirrored': IMIGUE_MIRRORED}
