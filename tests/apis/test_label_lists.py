"""The shipped class-name lists are the upstream ones, line for line."""
import os.path as osp

import pytest

from mmaction2_ext.datasets.labels import (BY_NUM_CLASSES, class_names,
                                           read_class_names)

UPSTREAM = {
    'ntu60': 'mmaction2/tools/data/skeleton/label_map_ntu60.txt',
    'ntu120': 'pyskl/tools/data/label_map/nturgbd_120.txt',
    'gym99': 'mmaction2/tools/data/skeleton/label_map_gym99.txt',
    'ma52': 'micro-action/ma52/label_name.txt',
    'imigue': 'miga/tools/glove/english_label.txt',
}


@pytest.mark.parametrize('name', sorted(UPSTREAM))
def test_builtin_list_is_the_upstream_one(name, upstream_dir):
    expected = read_class_names(osp.join(upstream_dir, UPSTREAM[name]))
    num = {v: k for k, v in BY_NUM_CLASSES.items()}[name]
    assert class_names(name, num) == expected
    assert class_names(None, num) == expected


def test_unknown_class_count_gets_numbered_names():
    assert class_names(None, 3) == ['class 0', 'class 1', 'class 2']


def test_missing_label_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt does not exist'):
        class_names(str(tmp_path / 'nope.txt'), 4)
