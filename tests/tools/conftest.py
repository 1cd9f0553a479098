"""Data shared by the tests that run tools/train.py and tools/test.py."""
import pytest

from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle


@pytest.fixture(scope='module')
def skeleton_pickle(tmp_path_factory):
    """A small synthetic COCO-layout PoseDataset pickle (4 classes)."""
    path = tmp_path_factory.mktemp('data') / 'coco.pkl'
    return write_skeleton_pickle(str(path), 'coco', num_classes=4,
                                 samples_per_class=(6, 3), seed=1)


@pytest.fixture(scope='module')
def skeleton_options(skeleton_pickle):
    """``--cfg-options`` items pointing every dataloader at that pickle."""
    return [f'{loader}.dataset.ann_file={skeleton_pickle}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')]
