"""The skeleton layout table: facts that can be checked against each other
and against the stock transforms."""
import numpy as np
import pytest
from mmaction.models.utils.graph import Graph as StockGraph

from mmaction2_ext.datasets.layouts import (GRAPH_LAYOUTS, KEYPOINT_LAYOUTS,
                                            LAYOUTS, heatmap_settings)
from mmaction2_ext.models.utils import Graph

NAMED = ('coco', 'coco_new', 'openpose', 'nturgb+d', 'ma52')


def test_data_layouts():
    assert KEYPOINT_LAYOUTS == {'nturgb+d': (25, 3), 'coco': (17, 2),
                                'openpose': (18, 2), 'imigue': (22, 2),
                                'ma52': (28, 2)}
    assert sorted(GRAPH_LAYOUTS) == ['coco', 'coco_new', 'nturgb+d',
                                     'openpose']


@pytest.mark.parametrize('name', sorted(LAYOUTS))
def test_indices_are_joints_and_names_unique(name):
    layout = LAYOUTS[name]
    v = layout.num_joints
    assert len(set(layout.joint_names)) == v
    for pairs in (layout.edges, layout.flip_pairs, layout.limbs):
        assert all(0 <= j < v for pair in pairs for j in pair)
    joints = [j for pair in layout.flip_pairs for j in pair]
    assert len(joints) == len(set(joints))  # a joint flips with one partner
    for partners in (layout.bone_partners, layout.kbone_partners):
        assert partners is None or (len(partners) == v and
                                    max(partners) < v)


@pytest.mark.parametrize('name', NAMED)
def test_flip_pairs_swap_left_and_right(name):
    layout = LAYOUTS[name]
    names = layout.joint_names
    def side_free(joint):
        return names[joint].replace('left', '?').replace('right', '?')

    for a, b in layout.flip_pairs:
        assert names[a] != names[b] and side_free(a) == side_free(b), (a, b)
    # every named left / right body joint has its partner (MA-52's hand
    # points stay: pcan.md 4; coco_new's added trunk joints are central)
    flipped = {j for pair in layout.flip_pairs for j in pair}
    sided = {j for j, n in enumerate(names) if 'left' in n or 'right' in n}
    if name == 'ma52':
        sided -= set(range(18, 28))
    assert sided == flipped


@pytest.mark.parametrize('name', GRAPH_LAYOUTS)
def test_graphs_are_connected_trees(name):
    layout = LAYOUTS[name]
    assert len(layout.edges) == layout.num_joints - 1
    hops = Graph(name, max_hop=layout.num_joints).hop_dis
    assert np.isfinite(hops).all()


@pytest.mark.parametrize('name', ['coco', 'openpose', 'nturgb+d'])
def test_stock_graph_has_the_same_edges(name):
    ours = Graph(name, mode='spatial').A
    np.testing.assert_array_equal(ours, StockGraph(name, mode='spatial').A)


def test_heatmap_flip_lists_mirror_limbs():
    ma52 = heatmap_settings('ma52')
    assert ma52['left_kp'] == (2, 3, 4, 8, 9, 10, 14, 16)
    limbs = ma52['skeletons']
    for left, right in zip(ma52['left_limb'], ma52['right_limb']):
        a, b = limbs[left]
        swap = dict(zip(ma52['left_kp'], ma52['right_kp']))
        assert {swap.get(a, a), swap.get(b, b)} == set(limbs[right])
