"""A missing input file reads the same everywhere (issue 13):
``<what> <path> does not exist``, a FileNotFoundError (run_cli's one
``error:`` line) that is also a DataError (skip_invalid still skips it)."""
import os.path as osp
import re

import pytest

from mmaction2_ext.datasets.imigue import load_raw_split
from mmaction2_ext.datasets.pose_pickle import load_pose_annotations
from mmaction2_ext.evaluation.functional.dump import read_dump
from mmaction2_ext.models.localizers.haan import load_fine_to_coarse
from mmaction2_ext.models.localizers.haan_checkpoint import \
    convert_official_haan
from mmaction2_ext.submission.imigue import read_test_ids
from mmaction2_ext.utils import DataError, safe_load, safe_np_load

LOADERS = {
    'pickle': lambda p: safe_load(p),
    'npy': lambda p: safe_np_load(p),
    'pose annotations': lambda p: load_pose_annotations(p, 'train'),
    'dump': read_dump,
    'iMiGUE raw split': lambda p: load_raw_split(p, p),
    'iMiGUE test ids': read_test_ids,
    'HAAN hierarchy': load_fine_to_coarse,
    'HAAN official weights': lambda p: convert_official_haan(
        osp.dirname(p), p + '.pth', None),
}


@pytest.mark.parametrize('name', sorted(LOADERS))
def test_one_wording(name, tmp_path):
    path = str(tmp_path / 'encoder.pkl')
    with pytest.raises(FileNotFoundError) as err:
        LOADERS[name](path)
    assert re.fullmatch(rf'[A-Za-z -]+ {re.escape(path)} does not exist'
                        r'( \(.+\))?', str(err.value)), str(err.value)
    if name != 'HAAN hierarchy':  # a config value, not a data file
        assert isinstance(err.value, DataError)
