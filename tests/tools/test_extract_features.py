"""tools/data/extract_features.py: raw video -> HAAN's I3D clip features and
annotation files, checked against the official FineGym files in ../shared
(a randomly initialised I3D: the released weights cannot be downloaded
here)."""
import json
import os.path as osp
import shutil
import sys

import numpy as np
import pytest
from helpers import warm_python

TOOL = 'tools/data/extract_features.py'


def _run(repo_root, tool_env, *args):
    return warm_python.run([sys.executable, TOOL, *args], cwd=repo_root,
                           env=tool_env, text=True, capture_output=True,
                           timeout=600)


@pytest.fixture(scope='module')
def official(upstream_dir):
    folder = osp.join(upstream_dir, 'haan', 'dataset', 'FineGym')
    return {k: np.load(osp.join(folder, f'{k}.npy'), allow_pickle=True)
            for k in ('video_names', 'labels', 'segments',
                      'sec2clip_ratios')}


def test_features_and_annotations_in_haan_layout(official, upstream_dir,
                                                 tmp_path, repo_root,
                                                 tool_env):
    videos = tmp_path / 'videos'
    videos.mkdir()
    # 164 frames at 25 fps = 6.56 s -> 157 frames at 24 fps -> 9 clips
    shutil.copy(osp.join(upstream_dir, 'mmaction2', 'tests', 'data',
                         'test.avi'), videos / 'test.avi')
    (tmp_path / 'seg.csv').write_text('video,start,end,label\n'
                                      'test,3,5,wave\ntest,0.5,2.0,jump\n')
    (tmp_path / 'labels.txt').write_text('wave\njump\n')
    out = tmp_path / 'feat'
    proc = _run(repo_root, tool_env, str(videos), '--out', str(out),
                '--checkpoint', 'none', '--segments',
                str(tmp_path / 'seg.csv'), '--label-map',
                str(tmp_path / 'labels.txt'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    feats = np.load(out / 'features' / 'test.npy')
    assert feats.shape == (9, 2048) and feats.dtype == np.float32
    assert np.isfinite(feats).all() and feats.std(axis=0).max() > 0
    ratios = json.loads((out / 'sec2clip_ratios.json').read_text())
    # the official FineGym ratio: 24 fps / 16-frame clips
    assert ratios == {'test': float(np.unique(official['sec2clip_ratios'])
                                    [0])} == {'test': 1.5}
    ours = {k: np.load(out / f'{k}.npy', allow_pickle=True)
            for k in official}
    for key, ref in official.items():
        assert ours[key].dtype == ref.dtype and ours[key].ndim == 1, key
    assert type(ours['labels'][0]) is type(official['labels'][0])
    assert type(ours['segments'][0][0]) is type(official['segments'][0][0])
    assert list(ours['video_names']) == ['test']
    assert ours['labels'][0] == [1, 0]  # in start order
    assert ours['segments'][0] == [[0.5, 2.0], [3.0, 5.0]]
    # the clips cover the video as the official ratio says
    assert feats.shape[0] == int(164 / 25 * ratios['test'])
    # a rerun skips the video already done
    proc = _run(repo_root, tool_env, str(videos), '--out', str(out),
                '--checkpoint', 'none')
    assert proc.returncode == 0 and 'test.avi' not in proc.stderr

    # tools/infer.py on a HAAN config takes the ratio the extractor recorded
    import torch
    from mmengine.config import Config
    from mmaction.registry import MODELS
    config = osp.join(repo_root, 'configs/haan/haan_1xb4-10e_synthetic-feat.py')
    cfg = Config.fromfile(config)
    cfg.model.feature_size = 2048
    ckpt = tmp_path / 'haan.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    result = tmp_path / 'det.json'
    proc = warm_python.run(
        [sys.executable, 'tools/infer.py', config, str(ckpt),
         str(out / 'features' / 'test.npy'), '--out-json', str(result),
         '--cfg-options', 'model.feature_size=2048'], cwd=repo_root,
        env=tool_env, text=True, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    detections = json.loads(result.read_text())['detections']
    # segment times in seconds = clip index / 1.5: within the 9-clip video
    assert all(0 <= d['start'] < d['end'] <= 9 / 1.5 + 1e-6
               for d in detections)


def test_segment_label_not_in_the_label_map_is_one_line(tmp_path, repo_root,
                                                        tool_env):
    (tmp_path / 'v').mkdir()
    (tmp_path / 'seg.csv').write_text('a,0,1,wave\na,1,2,jump\n')
    (tmp_path / 'labels.txt').write_text('wave\n')
    proc = _run(repo_root, tool_env, str(tmp_path / 'v'), '--out',
                str(tmp_path / 'o'), '--segments', str(tmp_path / 'seg.csv'),
                '--label-map', str(tmp_path / 'labels.txt'))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and lines == [
        f"error: {tmp_path}/seg.csv, line 2: label 'jump' is not in the "
        'label map'], proc.stderr[-2000:]
