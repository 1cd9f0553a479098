"""Which sample of a pose file inference reads, and the frame size it
assumes for 2D keypoints without one (public functions of
``mmaction2_ext.apis.inference``, an untrained model: no checkpoint)."""
import pickle

import numpy as np
import pytest

from mmaction2_ext.apis import init_model
from mmaction2_ext.apis.inference import load_pose, skeleton_annotation
from mmaction2_ext.utils import DataError

STGCN = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


def _sample(x, **names):
    keypoint = np.zeros((1, 3, 17, 2), np.float32)
    keypoint[..., 0] = x
    return dict(names, keypoint=keypoint,
                keypoint_score=np.ones((1, 3, 17), np.float32),
                total_frames=3, label=0)


@pytest.fixture
def two_samples(tmp_path):
    path = tmp_path / 'poses.pkl'
    path.write_bytes(pickle.dumps([
        _sample(1., frame_dir='a', filename='clips/a.mp4'),
        _sample(2., frame_dir='b', filename='clips/b.mp4')]))
    return str(path)


@pytest.mark.parametrize('sample,default,x', [
    ('b', None, 2.), ('clips/b.mp4', None, 2.), (None, 'b', 2.),
    ('a', 'b', 1.), ('clips/a.mp4', 'b', 1.)])
def test_a_sample_is_picked_by_frame_dir_or_filename(two_samples, sample,
                                                     default, x):
    anno, source = load_pose(two_samples, sample, default)
    assert source == two_samples and anno['keypoint'][0, 0, 0, 0] == x


@pytest.mark.parametrize('sample,message', [
    (None, 'holds 2 samples: name one'), ('c', 'no such sample')])
def test_an_unnamed_or_unknown_sample_is_refused(two_samples, sample,
                                                 message):
    with pytest.raises(DataError, match=message):
        load_pose(two_samples, sample)


@pytest.fixture(scope='module')
def stgcn(repo_root):
    return init_model(f'{repo_root}/{STGCN}')


def test_2d_keypoints_without_a_frame_size_get_their_extent(stgcn):
    """The smallest frame holding every joint: a joint at x = 40 needs 41
    columns (pixels 0..40), one at y = 12.2 needs 14 rows."""
    anno = _sample(0.)
    anno['keypoint'][0, 1, 3] = (40., 7.)
    anno['keypoint'][0, 2, 5] = (3., 12.2)
    got = skeleton_annotation(stgcn, anno)
    assert got['img_shape'] == got['original_shape'] == (14, 41)
    given = skeleton_annotation(stgcn, anno, img_shape=(480, 640))
    assert given['img_shape'] == given['original_shape'] == (480, 640)
