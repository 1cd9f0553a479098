"""What ``tools/test.py --dump`` writes for PCAN and what the MA-52
submission says about it (issue 30, item 6)."""
import pickle

import pytest
import torch

from mmaction2_ext.evaluation.metrics import SafeDumpResults
from mmaction2_ext.submission.ma52 import check_order
from mmaction2_ext.utils import DataError

SETS = {'rgb': 52, 'pose': 52, 'rgb_coarse': 7, 'pose_coarse': 7}


@pytest.mark.parametrize('key', ['filename', 'frame_dir'])
def test_order_error_names_the_field_the_dump_has(key):
    names = ['test0000.mp4', 'test0001.mp4']
    dumped = [{key: f'data/ma52/raw_videos/{n}'} for n in reversed(names)]
    with pytest.raises(DataError) as err:
        check_order(dumped, names, 'r.pkl', 'test_list_videos.txt')
    assert f"[sample 0, field '{key}']" in str(err.value)


def test_dump_gives_the_class_count_of_each_score_set(tmp_path):
    """Stock keeps mmaction2's num_classes = len(pred_score): for PCAN's
    dict of score sets that is 4, the number of sets."""
    from mmaction.structures import ActionDataSample
    sample = ActionDataSample().set_pred_score(
        {k: torch.rand(n) for k, n in SETS.items()})
    assert sample.num_classes == len(SETS)  # stock: the count of sets
    single = ActionDataSample().set_pred_score(torch.rand(5))
    path = str(tmp_path / 'r.pkl')
    metric = SafeDumpResults(out_file_path=path)
    metric.process(None, [sample.to_dict(), single.to_dict()])
    metric.compute_metrics(metric.results)
    with open(path, 'rb') as f:
        pcan, other = pickle.load(f)
    assert pcan['num_classes'] == SETS
    assert other['num_classes'] == 5  # a plain score keeps stock's count
