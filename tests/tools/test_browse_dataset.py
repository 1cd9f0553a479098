"""tools/analysis/browse_dataset.py draws what the pipeline feeds the model:
the pictures hold the pipeline's own keypoints, heatmaps and segments."""
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config

from mmaction.registry import DATASETS

from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.visualization.browse import draw_sample, pipeline_sample
from helpers import warm_python

TOOL = 'tools/analysis/browse_dataset.py'


def _dataset(repo_root, config, phase, **fields):
    cfg = Config.fromfile(osp.join(repo_root, config))
    dataset = cfg[f'{phase}_dataloader'].dataset
    dataset.update(fields)
    return DATASETS.build(dataset)


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_gcn_input_is_drawn_as_skeleton_graphs(tmp_path, repo_root):
    ann = write_skeleton_pickle(str(tmp_path / 'ntu.pkl'), 'ntu',
                                num_classes=2, samples_per_class=(1, 1),
                                seed=1)
    dataset = _dataset(
        repo_root, 'configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d'
        '.py', 'train', ann_file=ann)
    sample = pipeline_sample(dataset, 0)
    inputs = sample['packed']['inputs'].numpy()[0]  # (M, T, V, 3)
    fig = draw_sample(sample, 'x', 'nturgb+d', frames=4)
    assert _titles(fig) == [f'25 joints t={t}' for t in (0, 10, 21, 31)]
    # the last panel: the first person's 24 NTU bones, then its joints, the
    # input's at t=31 (world coordinates, y up: -y drawn)
    assert np.abs(inputs[0, 31]).sum(-1).all()
    joints = fig.axes[3].lines[24].get_xydata()
    np.testing.assert_allclose(joints, inputs[0, 31, :, :2] * [1, -1],
                               rtol=1e-5)
    bone = fig.axes[3].lines[0].get_xydata()  # NTU's first bone: 0-1
    np.testing.assert_allclose(bone, inputs[0, 31, [0, 1], :2] * [1, -1],
                               rtol=1e-5)


def test_pcan_rgb_skeleton_and_heatmaps(tmp_path, repo_root):
    root = tmp_path / 'ma52'
    make_ma52(str(root), classes=(0, 11), samples_per_class=(1, 1, 1),
              size=64, frames=(40, 44))
    dataset = _dataset(
        repo_root, 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py', 'val',
        ann_file=str(root / 'MA-52_openpose_28kp' / 'MA52_val.pkl'),
        list_file=str(root / 'annotations' / 'val_list_videos.txt'),
        data_prefix=dict(video=str(root / 'raw_videos') + '/'))
    sample = pipeline_sample(dataset, 0)
    fig = draw_sample(sample, 'x', None, frames=3)
    heat = sample['packed']['inputs']['heatmap_imgs'].numpy()[0]
    rgb_len = len(sample['pose']['imgs'])
    titles = _titles(fig)
    assert titles[:3] == [f'RGB t={t:.0f}'
                          for t in np.linspace(0, rgb_len - 1, 3).round()]
    assert titles[3:] == [f'28 heatmaps t={t:.0f}' for t in
                          np.linspace(0, heat.shape[1] - 1, 3).round()]
    # the skeleton on the last RGB frame (8 of the clip) is the pipeline's
    # pose frame at the same time (28 of 32), in the frame's pixels
    kp = sample['pose']['keypoint']
    t = (rgb_len - 1) * kp.shape[1] // rgb_len
    drawn = fig.axes[2].lines[-1].get_xydata()
    seen = np.abs(kp[-1, t]).sum(-1) > 0
    assert seen.any() and kp.shape[1] != rgb_len
    np.testing.assert_allclose(drawn, kp[-1, t][seen], rtol=1e-5)
    # heatmaps at their own size, on the RGB frame of the same time
    picture = np.asarray(fig.axes[3].get_images()[0].get_array())
    assert picture.shape == (*heat.shape[2:], 3)


def test_heatmap_brightness_is_the_strongest_channel(tmp_path, repo_root):
    ann = write_skeleton_pickle(str(tmp_path / 'im.pkl'), 'imigue',
                                num_classes=2, samples_per_class=(1, 1, 1),
                                seed=1)
    dataset = _dataset(
        repo_root, 'configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-'
        'imigue-keypoint.py', 'val', ann_file=ann)
    sample = pipeline_sample(dataset, 0)
    heat = sample['packed']['inputs'].numpy()[0]  # (K, T, H, W)
    fig = draw_sample(sample, 'x', frames=2)
    assert _titles(fig) == ['22 heatmaps t=0',
                            f'22 heatmaps t={heat.shape[1] - 1}']
    picture = np.asarray(fig.axes[1].get_images()[0].get_array())
    # no RGB under it: each pixel's brightest channel is the heatmap value
    np.testing.assert_allclose(picture.max(-1),
                               np.clip(heat[:, -1].max(0), 0, 1), atol=1e-6)
    # and its hue tells the channels apart: two peaks, two colours
    top = heat[:, -1].reshape(len(heat), -1).max(1).argsort()[-2:]
    spots = [np.unravel_index(heat[k, -1].argmax(), heat.shape[2:])
             for k in top]
    hues = [picture[spot] / picture[spot].max() for spot in spots]
    assert not np.allclose(*hues, atol=0.05)


def test_haan_strip_shows_the_annotated_segments(tmp_path, repo_root):
    info = make_haan_dataset(str(tmp_path / 'haan'), num_train=4, num_test=2,
                             seed=1)
    dataset = _dataset(repo_root,
                       'configs/haan/haan_1xb4-10e_synthetic-feat.py', 'test',
                       ann_dir=info['ann_dir'], features=info['features'],
                       num_training_videos=4)
    sample = pipeline_sample(dataset, 0)
    fig = draw_sample(sample, 'x')
    strip, bars = fig.axes
    feats = sample['packed']['inputs'].numpy()
    np.testing.assert_array_equal(strip.get_images()[0].get_array(),
                                  feats.T)
    ratio = sample['packed']['sec2clip_ratio']
    spans = sorted(tuple(p.get_paths()[0].vertices[0])
                   for p in bars.collections)
    expected = sorted((s * ratio, row - 0.4) for row, (s, _) in
                      enumerate(sample['packed']['gt_segments']))
    np.testing.assert_allclose(spans, expected)


def test_cli_writes_one_png_per_sample(tmp_path, skeleton_pickle, repo_root,
                                       tool_env):
    out = tmp_path / 'pics'
    proc = warm_python.run(
        [sys.executable, TOOL,
         'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py', '--phase',
         'val', '-n', '2', '--out', str(out), '--cfg-options',
         f'val_dataloader.dataset.ann_file={skeleton_pickle}'],
        cwd=repo_root, env=tool_env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ['val_0000.png',
                                                    'val_0001.png']
    assert (out / 'val_0000.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


@pytest.mark.parametrize('case', ['unknown phase', 'missing config'])
def test_bad_input_is_one_error_line(case, tmp_path, repo_root, tool_env,
                                     reliability):
    if case == 'unknown phase':
        args = ['configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
                '--phase', 'eval']
        expected = "--phase 'eval': expected one of train, val, test"
    else:
        args = [str(tmp_path / 'none.py')]
        expected = 'config file <tmp>/none.py does not exist'
    proc = warm_python.run([sys.executable, TOOL, *args, '--out',
                           str(tmp_path / 'o')], cwd=repo_root, env=tool_env,
                           capture_output=True, text=True, timeout=300)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert expected in lines[0].replace(str(tmp_path), '<tmp>')
    assert not (tmp_path / 'o').exists()
    reliability.record('CLI', f'browse_dataset.py: {case}', lines[0])
