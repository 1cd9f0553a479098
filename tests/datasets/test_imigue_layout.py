"""The 22-joint iMiGUE layout: official lists as in the spec, opt-in mirror map."""
from mmaction2_ext.datasets.layouts import (IMIGUE,
                                                       IMIGUE_MIRRORED,
                                                       mirror_limbs)


def test_official_lists():
    assert IMIGUE['num_joints'] == len(IMIGUE['skeletons']) == 22
    assert IMIGUE['left_kp'] == tuple(range(1, 20, 2))
    assert IMIGUE['right_kp'] == tuple(range(2, 21, 2))
    assert IMIGUE['skeletons'][1] == (2, 1) and IMIGUE['skeletons'][21] == (8, 21)
    assert all(0 <= j < 22 for limb in IMIGUE['skeletons'] for j in limb)


def test_mirrored_map_maps_the_skeleton_onto_itself():
    kp_l, kp_r = IMIGUE_MIRRORED['left_kp'], IMIGUE_MIRRORED['right_kp']
    swap = {**dict(zip(kp_l, kp_r)), **dict(zip(kp_r, kp_l))}
    limbs = {frozenset(x) for x in IMIGUE['skeletons']}
    assert {frozenset(swap.get(j, j) for j in x) for x in limbs} == limbs
    # by hand: arm segments (2,3)(3,4)(4,5) <-> (2,6)(6,7)(7,8), head (1,9)
    # (9,11) <-> (1,10)(10,11), hand rays 12..16 <-> 17..21
    assert IMIGUE_MIRRORED['left_limb'] == (2, 3, 4, 8, 9, 12, 13, 14, 15, 16)
    assert IMIGUE_MIRRORED['right_limb'] == (5, 6, 7, 10, 11, 17, 18, 19, 20,
                                             21)


def test_mirror_limbs_on_a_chain():
    limbs = [(0, 1), (1, 2), (0, 3), (3, 4)]
    assert mirror_limbs(limbs, [1, 2], [3, 4]) == ([0, 1], [2, 3])
