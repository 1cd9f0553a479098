"""MA-52 dataset: format checks, list order, a real MA-52 clip through the
PCAN RGB+Pose pipeline, the synthetic generator."""
import os.path as osp
import pickle

import decord
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmaction2_ext.datasets import MA52Dataset
from mmaction2_ext.datasets.synthetic import GENERATORS
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.utils import DataError

CLIP = 'A1_shaking_body__0030_01_0002'


def entry(name, frames=75, shape=(1296, 1080), label=0, kp=28):
    rng = np.random.default_rng(0)
    h, w = shape
    keypoint = np.stack([rng.uniform(0.3 * w, 0.7 * w, (1, frames, kp)),
                         rng.uniform(0.2 * h, 0.8 * h, (1, frames, kp))], -1)
    return dict(frame_dir=name, label=label, total_frames=frames,
                img_shape=shape, original_shape=shape,
                keypoint=keypoint.astype(np.float32))


def write(tmp_path, items, name='MA52_val.pkl'):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(items))
    return str(path)


def test_real_clip_decodes_through_pcan_val_pipeline(tmp_path, upstream_dir, repo_root):
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(repo_root, 'configs/pcan/pcan_rgbpose_ma52.py'))
    video_dir = osp.join(upstream_dir, 'micro-action', 'ma52_demo')
    ann = write(tmp_path, [entry(CLIP)])
    dataset = MA52Dataset(ann, cfg.val_dataloader.dataset.pipeline,
                          data_prefix=dict(video=video_dir), test_mode=True)
    assert dataset.get_data_info(0)['body_label'] == 0
    packed = dataset[0]
    imgs, heatmaps = packed['inputs']['imgs'], packed['inputs']['heatmap_imgs']
    assert tuple(imgs.shape) == (1, 3, 8, 256, 256)
    assert tuple(heatmaps.shape) == (1, 28, 32, 64, 64)
    # pixels come from the clip: the frames the sampler picked, cropped/resized
    reader = decord.VideoReader(osp.join(video_dir, CLIP + '.mp4'))
    assert len(reader) == 75
    frames = reader.get_batch(list(range(0, 75, 10))).asnumpy()
    assert abs(float(imgs.float().mean()) - frames.mean()) < 25
    assert float(imgs.float().std()) > 10 and float(heatmaps.max()) > 0.5
    assert packed['data_samples'].gt_label.item() == 0
    # the dump carries the video, so eval_ma52 can check the test-list order
    assert packed['data_samples'].frame_dir == osp.join(video_dir, CLIP)


@pytest.mark.parametrize('field,bad,match', [
    ('keypoint', np.zeros((1, 75, 17, 2), np.float32), '17 keypoints'),
    ('label', 52, 'out of range'),
    ('total_frames', 80, 'total_frames'),
    ('keypoint', np.zeros((1, 75, 28, 2), np.float32), 'no person detected'),
    ('keypoint', np.zeros((0, 75, 28, 2), np.float32), 'no person'),
    ('keypoint', np.ones((1, 75, 28, 3), np.float32), r'3-D keypoints .* layout is 2-D'),
])
def test_bad_entries_name_file_sample_field(tmp_path, field, bad, match):
    item = entry('0003_01_0001')
    item[field] = bad
    ann = write(tmp_path, [entry('0003_01_0000'), item])
    with pytest.raises(DataError, match=match) as err:
        MA52Dataset(ann, [], data_prefix=dict(video=''))
    message = str(err.value)
    assert 'MA52_val.pkl' in message and '0003_01_0001' in message


def _clip_dataset(tmp_path, upstream_dir, repo_root, names, split='val', **kwargs):
    """A val-pipeline MA52Dataset over copies of the real clip named ``names``
    (a name ending in '-corrupt' gets a truncated copy; one ending in '-short'
    an entry promising 120 frames of the 75-frame clip)."""
    import shutil
    cfg = Config.fromfile(osp.join(repo_root, 'configs/pcan/pcan_rgbpose_ma52.py'))
    video_dir = tmp_path / 'videos'
    video_dir.mkdir()
    clip = osp.join(upstream_dir, 'micro-action', 'ma52_demo', CLIP + '.mp4')
    for name in names:
        target = video_dir / f'{name}.mp4'
        shutil.copy(clip, target)
        if name.endswith('-corrupt'):
            data = target.read_bytes()
            target.write_bytes(data[:len(data) // 3])
    ann = write(tmp_path, [entry(n, frames=120 if n.endswith('-short') else 75)
                           for n in names])
    pipeline = cfg[f'{split}_dataloader'].dataset.pipeline
    return MA52Dataset(ann, pipeline, data_prefix=dict(video=str(video_dir)),
                       **kwargs)


def test_missing_video_named_at_build(tmp_path, upstream_dir, repo_root):
    dataset = _clip_dataset(tmp_path, upstream_dir, repo_root, ['0003_01_0000'])
    (tmp_path / 'videos' / '0003_01_0000.mp4').unlink()
    with pytest.raises(DataError) as err:
        MA52Dataset(dataset.ann_file, [], data_prefix=dict(
            video=str(tmp_path / 'videos')))
    message = str(err.value)
    assert 'MA52_val.pkl' in message
    assert '0003_01_0000.mp4 does not exist' in message
    assert "field 'frame_dir'" in message


def test_corrupt_video_named_at_first_read(tmp_path, upstream_dir, repo_root):
    dataset = _clip_dataset(tmp_path, upstream_dir, repo_root,
                            ['0003_01_0000', '0003_01_0001-corrupt'],
                            test_mode=True)
    assert dataset[0]['inputs']['imgs'].shape[-1] == 256
    with pytest.raises(DataError) as err:
        dataset[1]
    message = str(err.value)
    assert '0003_01_0001-corrupt.mp4' in message and 'cannot be decoded' in message
    assert "field 'video'" in message


def test_skip_invalid_skips_corrupt_training_video(tmp_path, upstream_dir, repo_root):
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance('ma52-skip', log_file=str(tmp_path / 'run.log'))
    dataset = _clip_dataset(tmp_path, upstream_dir, repo_root,
                            ['0003_01_0000', '0003_01_0001-corrupt'],
                            split='train', skip_invalid=True)
    assert logger is MMLogger.get_current_instance()
    packed = dataset[1]  # skipped: another (the good) sample comes back
    assert packed['data_samples'].gt_label.item() == 0
    assert tuple(packed['inputs']['imgs'].shape) == (1, 3, 8, 224, 224)
    listing = (tmp_path / 'invalid_samples_MA52_val.txt').read_text()
    assert '0003_01_0001-corrupt' in listing and 'cannot be decoded' in listing


def test_video_shorter_than_total_frames_is_named(tmp_path, upstream_dir,
                                                  repo_root, reliability):
    dataset = _clip_dataset(tmp_path, upstream_dir, repo_root,
                            ['0003_01_0000', '0003_01_0001-short'],
                            test_mode=True)
    with pytest.raises(DataError) as err:
        dataset[1]
    message = str(err.value)
    assert message.startswith(str(tmp_path / 'videos' / '0003_01_0001-short.mp4'))
    assert "[sample '#1 (" in message and "field 'video'" in message
    assert "video has 75 frames, but the pickle's total_frames is 120" in message
    reliability.record('video', 'video shorter than the pickle\'s total_frames',
                       message)


def test_skip_invalid_lists_a_short_training_video_once(tmp_path, upstream_dir,
                                                        repo_root, reliability):
    from mmengine.logging import MMLogger
    MMLogger.get_instance('ma52-short', log_file=str(tmp_path / 'run.log'))
    dataset = _clip_dataset(tmp_path, upstream_dir, repo_root,
                            ['0003_01_0000', '0003_01_0001-short'],
                            split='train', skip_invalid=True)
    for _ in range(2):  # skipped again in a later epoch
        assert dataset[1]['data_samples'].gt_label.item() == 0
    lines = (tmp_path / 'invalid_samples_MA52_val.txt').read_text().splitlines()
    assert len(lines) == 1 and '0003_01_0001-short' in lines[0]
    assert "total_frames is 120" in lines[0]
    warned = [line for line in (tmp_path / 'run.log').read_text().splitlines()
              if 'skipped 1 invalid samples' in line]
    assert len(warned) == 1
    reliability.record('video', 'short video in training, skip_invalid=True',
                       warned[0].split(' - ', 3)[-1])


def test_list_file_order_enforced(tmp_path):
    ann = write(tmp_path, [entry('test0000'), entry('test0001')], 'MA52_test.pkl')
    good = tmp_path / 'test_list_videos.txt'
    good.write_text('test0000.mp4 0\ntest0001.mp4 0\n')
    dataset = MA52Dataset(ann, [], list_file=str(good), data_prefix=dict(video='v'),
                          test_mode=True, check_videos=False)
    assert dataset.get_data_info(1)['frame_dir'] == osp.join('v', 'test0001')
    swapped = tmp_path / 'swapped.txt'
    swapped.write_text('test0001.mp4 0\ntest0000.mp4 0\n')
    with pytest.raises(DataError, match="position|test0001"):
        MA52Dataset(ann, [], list_file=str(swapped), test_mode=True)


def test_synthetic_ma52_is_official_format_and_deterministic(tmp_path):
    assert GENERATORS['ma52'] == 'mmaction2_ext.datasets.synthetic.ma52'
    kw = dict(classes=(0, 11), samples_per_class=(2, 1, 1), size=64,
              frames=(20, 24))
    annos = make_ma52(str(tmp_path / 'a'), seed=3, **kw)
    make_ma52(str(tmp_path / 'b'), seed=3, **kw)
    for split in ('train', 'val', 'test'):
        pa = tmp_path / 'a' / 'MA-52_openpose_28kp' / f'MA52_{split}.pkl'
        items = pickle.loads(pa.read_bytes())
        other = pickle.loads(
            (tmp_path / 'b' / 'MA-52_openpose_28kp' / f'MA52_{split}.pkl').read_bytes())
        assert isinstance(items, list)  # official: a plain list, no split dict
        for x, y in zip(items, other):
            np.testing.assert_array_equal(x['keypoint'], y['keypoint'])
            assert x['keypoint'].shape[2:] == (28, 2)
        names = (tmp_path / 'a' / 'annotations' / f'{split}_list_videos.txt'
                 ).read_text().split('\n')[:-1]
        assert [n.split()[0] for n in names] == [i['frame_dir'] + '.mp4' for i in items]
        MA52Dataset(str(pa), [], list_file=str(tmp_path / 'a' / 'annotations' /
                                                f'{split}_list_videos.txt'))
    assert {a['label'] for a in annos['test']} == {0}  # hidden test labels
    assert all(n.startswith('test') for n in (a['frame_dir'] for a in annos['test']))
    reader = decord.VideoReader(str(tmp_path / 'a' / 'raw_videos' / 'test0000.mp4'))
    assert reader[0].shape == (64, 64, 3) and len(reader) == annos['test'][0]['total_frames']
