"""Skeleton layouts: the one table of joints, coordinates, edges and flips.

Datasets (validation), graphs (GCN adjacency), transforms (bones, flips),
heatmap settings, drawing and inference all read a layout from
:data:`LAYOUTS`; nothing else in the package lists joints. Configs spell
the lists they need out as settings (as every OpenMMLab config does) and
tests check those settings against this table.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

Edges = Tuple[Tuple[int, int], ...]


@dataclass(frozen=True)
class SkeletonLayout:
    """One keypoint layout.

    Args:
        name: the name configs use (``layout=``, ``graph_cfg.layout``,
            ``dataset=`` of the skeleton transforms).
        joint_names: V names, in joint order.
        coords: coordinates per joint in the annotation files: 2 (x, y
            pixels; a confidence, when present, is ``keypoint_score``) or 3
            (x, y, z).
        edges: graph edges (child, parent), PYSKL ``inward`` order; empty
            when no GCN graph is defined for the layout.
        center: the graph's centre joint (None: no graph).
        flip_pairs: (left, right) joint pairs a horizontal flip swaps, in
            the order of the configs' ``left_kp`` / ``right_kp``.
        limbs: heatmap limbs in the configs' ``skeletons`` order.
        built_from: the data layout a pipeline turns into this one (the
            graph-only ``coco_new`` is built from ``coco`` by
            ``Kinetics_Transform``); None for a data layout.
        bone_partners: joint v -> its bone partner, where the layout's
            bones are not stock ``JointToBone``'s.
        kbone_partners: joint v -> its second-order ("k") bone partner.
        bone_score: a 3rd channel is a score, averaged (not differenced) in
            bones; ``kbone_score`` the same for k-bones (upstream lists
            differ per transform).
    """
    name: str
    joint_names: Tuple[str, ...]
    coords: int
    edges: Edges = ()
    center: Optional[int] = None
    flip_pairs: Edges = ()
    limbs: Edges = ()
    built_from: Optional[str] = None
    bone_partners: Optional[Tuple[int, ...]] = None
    kbone_partners: Optional[Tuple[int, ...]] = None
    bone_score: bool = False
    kbone_score: bool = False

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def left_kp(self) -> Tuple[int, ...]:
        return tuple(left for left, _ in self.flip_pairs)

    @property
    def right_kp(self) -> Tuple[int, ...]:
        return tuple(right for _, right in self.flip_pairs)

    def flip_order(self) -> List[int]:
        """Joint order after swapping every flip pair."""
        order = list(range(self.num_joints))
        for left, right in self.flip_pairs:
            order[left], order[right] = right, left
        return order


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


# --- COCO-17 (HRNet 2-D; FineGYM, Kinetics-Skeleton, mmpose) ---------------
COCO_JOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
               'left_shoulder', 'right_shoulder', 'left_elbow',
               'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
               'right_hip', 'left_knee', 'right_knee', 'left_ankle',
               'right_ankle')
_COCO_LIMBS = ((15, 13), (13, 11), (16, 14), (14, 12), (9, 7), (7, 5),
               (10, 8), (8, 6), (1, 0), (3, 1), (2, 0), (4, 2))
COCO_HEATMAP_LIMBS = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9),
                      (0, 6), (6, 8), (8, 10), (5, 11), (11, 13), (13, 15),
                      (6, 12), (12, 14), (14, 16), (11, 12))
_COCO_FLIP = tuple(zip(range(1, 17, 2), range(2, 17, 2)))

# --- OpenPose-18 (COCO-18 order) -------------------------------------------
OPENPOSE_JOINTS = ('nose', 'neck', 'right_shoulder', 'right_elbow',
                   'right_wrist', 'left_shoulder', 'left_elbow', 'left_wrist',
                   'right_hip', 'right_knee', 'right_ankle', 'left_hip',
                   'left_knee', 'left_ankle', 'right_eye', 'left_eye',
                   'right_ear', 'left_ear')
_OPENPOSE_EDGES = ((4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11),
                   (10, 9), (9, 8), (11, 5), (8, 2), (5, 1), (2, 1), (0, 1),
                   (15, 0), (14, 0), (17, 15), (16, 14))
# the configs' "left" list is OpenPose's right side, paired in order
_OPENPOSE_FLIP = ((2, 5), (3, 6), (4, 7), (8, 11), (9, 12), (10, 13),
                  (14, 15), (16, 17))
_OPENPOSE_LIMBS = ((0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7),
                   (1, 8), (8, 9), (9, 10), (1, 11), (11, 12), (12, 13),
                   (0, 14), (0, 15), (14, 16), (15, 17))

# --- MA-52: OpenPose-18, then five fingertips (thumb..little) of the left
# hand (18-22, on the left wrist 7) and of the right hand (23-27, on 4);
# hand points are not swapped by a flip (pcan.md 4) ------------------------
_FINGERS = ('thumb', 'index', 'middle', 'ring', 'little')
MA52_JOINTS = OPENPOSE_JOINTS + tuple(f'left_{f}_tip' for f in _FINGERS) + \
    tuple(f'right_{f}_tip' for f in _FINGERS)
_MA52_LIMBS = _OPENPOSE_LIMBS + tuple((7, k) for k in range(18, 23)) + \
    tuple((4, k) for k in range(23, 28))

# --- NTU RGB+D (Kinect v2, 3-D) ---------------------------------------------
NTU_JOINTS = ('spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder',
              'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder',
              'right_elbow', 'right_wrist', 'right_hand', 'left_hip',
              'left_knee', 'left_ankle', 'left_foot', 'right_hip',
              'right_knee', 'right_ankle', 'right_foot', 'spine_shoulder',
              'left_hand_tip', 'left_thumb', 'right_hand_tip', 'right_thumb')
_NTU_EDGES_1BASED = ((1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5),
                     (7, 6), (8, 7), (9, 21), (10, 9), (11, 10), (12, 11),
                     (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17),
                     (19, 18), (20, 19), (22, 8), (23, 8), (24, 12), (25, 12))
_NTU_FLIP = tuple(zip(range(4, 8), range(8, 12))) + \
    tuple(zip(range(12, 16), range(16, 20))) + ((21, 23), (22, 24))

# --- iMiGUE (MiGA 2023 challenge release): 22 upper-body + hand joints.
# Roles inferred, names unverified: 2 neck/body centre, arms 3-4-5 and 6-7-8
# (5, 8 wrists), hand points 12-16 on 5 and 17-21 on 8, head cluster
# 0/1/9/10/11 -----------------------------------------------------------------
IMIGUE_JOINTS = ('head_0', 'head_1', 'neck', 'arm_a_shoulder', 'arm_a_elbow',
                 'arm_a_wrist', 'arm_b_shoulder', 'arm_b_elbow',
                 'arm_b_wrist', 'head_9', 'head_10', 'head_11') + \
    tuple(f'hand_a_{i}' for i in range(5)) + \
    tuple(f'hand_b_{i}' for i in range(5))
IMIGUE_LIMBS = ((0, 1), (2, 1), (2, 3), (3, 4), (4, 5), (2, 6), (6, 7),
                (7, 8), (1, 9), (9, 11), (1, 10), (10, 11), (5, 12), (5, 13),
                (5, 14), (5, 15), (5, 16), (8, 17), (8, 18), (8, 19), (8, 20),
                (8, 21))
# Faithful to the official configs (and the released weights): COCO-style
# odd/even pairs that do NOT mirror this skeleton (they swap e.g. 3 <-> 4,
# two joints of one arm). Kept to reproduce the official numbers.
_IMIGUE_FLIP = tuple(zip(range(1, 21, 2), range(2, 21, 2)))
# Opt-in topology-correct mirror map: arm chains swap, hands swap point by
# point (finger order assumed equal on both hands), 9 <-> 10 around 1/11.
_IMIGUE_MIRROR = tuple(zip((3, 4, 5, 9, 12, 13, 14, 15, 16),
                           (6, 7, 8, 10, 17, 18, 19, 20, 21)))


def _partners(*partners: int) -> Tuple[int, ...]:
    return tuple(partners)


LAYOUTS: Dict[str, SkeletonLayout] = {layout.name: layout for layout in (
    SkeletonLayout(
        'nturgb+d', NTU_JOINTS, 3,
        edges=tuple((i - 1, j - 1) for i, j in _NTU_EDGES_1BASED), center=20,
        flip_pairs=_NTU_FLIP,
        kbone_partners=_partners(20, 1, 2, 20, 4, 20, 4, 5, 8, 20, 8, 9, 1,
                                 0, 12, 13, 1, 0, 16, 17, 20, 7, 6, 11, 10)),
    SkeletonLayout(
        'coco', COCO_JOINTS, 2,
        edges=_COCO_LIMBS + ((11, 5), (12, 6), (5, 0), (6, 0)), center=0,
        flip_pairs=_COCO_FLIP, limbs=COCO_HEATMAP_LIMBS,
        kbone_partners=_partners(0, 1, 2, 0, 0, 5, 6, 0, 0, 5, 6, 11, 12, 0,
                                 0, 11, 12),
        bone_score=True, kbone_score=True),
    # 17 = hip centre, 18 = spine middle, 19 = shoulder centre (neck)
    SkeletonLayout(
        'coco_new', COCO_JOINTS + ('hip_centre', 'spine_mid', 'neck'), 2,
        edges=_COCO_LIMBS + ((11, 17), (12, 17), (5, 19), (6, 19), (0, 19),
                             (17, 18), (18, 19)), center=19,
        flip_pairs=_COCO_FLIP, built_from='coco',
        bone_partners=_partners(19, 0, 0, 1, 2, 19, 19, 5, 6, 7, 8, 17, 17,
                                11, 12, 13, 14, 18, 19, 19),
        kbone_partners=_partners(0, 19, 19, 0, 0, 5, 6, 19, 19, 5, 6, 18, 18,
                                 17, 17, 11, 12, 19, 18, 19),
        bone_score=True),
    SkeletonLayout(
        'openpose', OPENPOSE_JOINTS, 2, edges=_OPENPOSE_EDGES, center=1,
        flip_pairs=_OPENPOSE_FLIP, limbs=_OPENPOSE_LIMBS, bone_score=True),
    SkeletonLayout('ma52', MA52_JOINTS, 2, flip_pairs=_OPENPOSE_FLIP,
                   limbs=_MA52_LIMBS),
    SkeletonLayout('imigue', IMIGUE_JOINTS, 2, flip_pairs=_IMIGUE_FLIP,
                   limbs=IMIGUE_LIMBS),
    SkeletonLayout('imigue_mirrored', IMIGUE_JOINTS, 2,
                   flip_pairs=_IMIGUE_MIRROR, limbs=IMIGUE_LIMBS,
                   built_from='imigue'),
)}

#: layouts of annotation files: name -> (joints V, coordinates C)
KEYPOINT_LAYOUTS: Dict[str, Tuple[int, int]] = {
    name: (layout.num_joints, layout.coords)
    for name, layout in LAYOUTS.items() if layout.built_from is None}
#: layouts with a GCN graph
GRAPH_LAYOUTS: Tuple[str, ...] = tuple(
    name for name, layout in LAYOUTS.items() if layout.center is not None)


def get_layout(name: str) -> SkeletonLayout:
    """The layout called ``name`` (ValueError naming the known ones)."""
    if name not in LAYOUTS:
        raise ValueError(f'skeleton layout {name!r} is not one of '
                         f'{sorted(LAYOUTS)}')
    return LAYOUTS[name]


def data_layout(name: str) -> SkeletonLayout:
    """The layout of the annotation files a pipeline for ``name`` reads."""
    layout = get_layout(name)
    return LAYOUTS[layout.built_from] if layout.built_from else layout


def heatmap_settings(name: str) -> Dict:
    """The heatmap / flip settings configs spell out for ``name``:
    ``num_joints``, ``skeletons``, ``left_kp``/``right_kp`` and the limb
    flip lists ``left_limb``/``right_limb``."""
    layout = get_layout(name)
    settings = dict(num_joints=layout.num_joints, skeletons=layout.limbs,
                    left_kp=layout.left_kp, right_kp=layout.right_kp)
    if name == 'imigue':  # official: the keypoint lists reused for limbs
        settings.update(left_limb=layout.left_kp, right_limb=layout.right_kp)
    else:
        left, right = mirror_limbs(layout.limbs, layout.left_kp,
                                   layout.right_kp)
        settings.update(left_limb=tuple(left), right_limb=tuple(right))
    return settings


# the iMiGUE settings of the MiGA configs, official and opt-in mirrored
IMIGUE: Dict = heatmap_settings('imigue')
IMIGUE_MIRRORED: Dict = heatmap_settings('imigue_mirrored')

__all__ = ['SkeletonLayout', 'LAYOUTS', 'KEYPOINT_LAYOUTS', 'GRAPH_LAYOUTS',
           'get_layout', 'data_layout', 'heatmap_settings', 'mirror_limbs',
           'IMIGUE', 'IMIGUE_MIRRORED', 'IMIGUE_LIMBS']
