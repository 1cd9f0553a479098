"""Own videos -> data set -> every method trained one epoch -> tools/infer.py
(issue 25). The data set is built with MediaPipe from the real clips in
../shared (six MA-52 clips and mmaction2's demo videos; the class is the
clip's file name's body part, or "kinetics"), so this runs in .venv-pose
(``make test``). Each config in configs/custom/ is trained as it is, with
tiny model widths set in a child config, and ``--data-root`` pointing at the
built set."""
import json
import os
import os.path as osp
import sys

import pytest

from mmaction2_ext.utils import safe_load
from helpers import warm_python

MA52 = {'A1_shaking_body__0030_01_0002': 'body',
        'A2_turning_around__0078_01_0005': 'body',
        'A3_sitting_straightly__0020_01_0008': 'body',
        'B1_nodding__0019_02_0078': 'head',
        'B2_shaking_head__0035_02_0007': 'head',
        'B3_turning_head__0010_02_0101': 'head'}
MMACTION2 = ('demo/demo.mp4', 'tests/data/test.mp4', 'tests/data/test.avi')
CLASSES = ['body', 'head', 'kinetics']
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
SMALL_LOADERS = '\n'.join(
    f'{name} = dict(batch_size=2, num_workers=0, persistent_workers=False)'
    for name in LOADERS)

TINY_POSEC3D = """
model = dict(backbone=dict(base_channels=8, num_stages=2, out_indices=(1, ),
                           stage_blocks=(1, 1), inflate=(0, 1),
                           spatial_strides=(2, 2), temporal_strides=(1, 1),
                           dilations=(1, 1)),
             cls_head=dict(in_channels=64))
"""
#: config -> the child config's body (tiny widths; everything else as is)
TINY = {
    'stgcn_1xb16-u100-80e_custom-coco-2d.py': """
model = dict(backbone=dict(base_channels=16, num_stages=2, inflate_stages=[],
                           down_stages=[]), cls_head=dict(in_channels=16))
""",
    'protogcn_1xb16-150e_custom-coco-2d.py': """
model = dict(backbone=dict(base_channels=16, num_stages=4, inflate_stages=[3],
                           down_stages=[3], prn_dim=32, num_prototype=16),
             cls_head=dict(in_channels=32))
""",
    'slowonly_r50_1xb16-u48-100e_custom-coco-keypoint.py': TINY_POSEC3D,
    'slowonly_r50-emb20_1xb16-u48-100e_custom-coco-keypoint.py': TINY_POSEC3D,
    'pcan_rgbpose_custom.py': """
model = dict(
    backbone=dict(
        rgb_pathway=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
        pose_pathway=dict(base_channels=4, stage_blocks=(1, 1, 1))),
    cls_head=dict(in_channels=[256, 64], body_h_channels=32,
                  action_h_channels=32))
load_from = None
""",
}


def _run(repo_root, tool_env, *args, timeout=600):
    return warm_python.run([sys.executable, *args], cwd=repo_root,
                           env=tool_env, text=True, capture_output=True,
                           timeout=timeout)


@pytest.fixture(scope='module')
def own_dataset(upstream_dir, repo_root, tmp_path_factory):
    pytest.importorskip('mediapipe')
    root = tmp_path_factory.mktemp('own') / 'videos'
    for name, label in MA52.items():
        os.makedirs(root / label, exist_ok=True)
        os.symlink(osp.join(upstream_dir, 'micro-action', 'ma52_demo',
                            name + '.mp4'), root / label / (name + '.mp4'))
    os.makedirs(root / 'kinetics')
    for i, path in enumerate(MMACTION2):  # test.mp4 and test.avi: 2 names
        os.symlink(osp.join(upstream_dir, 'mmaction2', path),
                   root / 'kinetics' / f'{i}_{osp.basename(path)}')
    out = root.parent / 'data'
    env = dict(os.environ, PYTHONPATH=repo_root)
    proc = warm_python.run(
        [sys.executable, 'tools/data/build_dataset.py', str(root), '--out',
         str(out), '--max-frames', '12', '--min-frames', '4', '--val-ratio',
         '0.34', '--workers', '2'], cwd=repo_root, env=env, text=True,
        capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_the_built_set_has_every_class(own_dataset):
    assert (own_dataset / 'label_map.txt').read_text().split() == CLASSES
    skeleton = safe_load(str(own_dataset / 'skeleton_coco.pkl'))
    labels = {a['label'] for a in skeleton['annotations']}
    assert labels == {0, 1, 2}
    assert skeleton['split']['val'] and skeleton['split']['train']


def _child_config(tmp_path, repo_root, name, class_vectors):
    base = osp.join(repo_root, 'configs', 'custom', name)
    extra = ''
    if 'emb20' in name:
        extra = f"model['cls_head']['class_vectors'] = {class_vectors!r}\n"
    path = tmp_path / f'tiny_{name}'
    path.write_text(f'_base_ = {base!r}\n{TINY[name]}\n{SMALL_LOADERS}\n'
                    'train_cfg = dict(max_epochs=1, val_begin=1)\n'
                    'default_hooks = dict(logger=dict(interval=1))\n'
                    + extra)
    return str(path)


@pytest.mark.parametrize('name', list(TINY))
def test_train_one_epoch_then_infer(name, own_dataset, tmp_path, repo_root,
                                    tool_env):
    import numpy as np
    vectors = tmp_path / 'class_vectors.npy'
    np.save(vectors, np.random.default_rng(0).normal(
        size=(len(CLASSES), 300)).astype(np.float32))
    config = _child_config(tmp_path, repo_root, name, str(vectors))
    work = tmp_path / 'work'
    classes = f'model.cls_head.num_classes={len(CLASSES)}'
    proc = _run(repo_root, tool_env, 'tools/train.py', config, '--work-dir',
                str(work), '--data-root', str(own_dataset), '--cfg-options',
                classes)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'Epoch(val) [1]' in log, log[-3000:]
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()

    skeleton = safe_load(str(own_dataset / 'skeleton_coco.pkl'))
    sample = skeleton['split']['val'][0]
    out = tmp_path / 'pred.json'
    if name.startswith('pcan'):
        ma52 = safe_load(str(own_dataset / 'MA-52_openpose_28kp' /
                             'MA52_val.pkl'))
        entry = ma52[0]
        video = entry.get('filename', entry['frame_dir'] + '.mp4')
        inputs = [str(own_dataset / 'raw_videos' / video), '--pose',
                  str(own_dataset / 'MA-52_openpose_28kp' / 'MA52_val.pkl'),
                  '--sample', entry['frame_dir']]
    else:
        inputs = [str(own_dataset / 'skeleton_coco.pkl'), '--sample', sample]
    proc = _run(repo_root, tool_env, 'tools/infer.py', config, str(ckpt),
                *inputs, '--data-root', str(own_dataset), '--out-json',
                str(out), '--topk', '3', '--cfg-options', classes)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert sorted(p['label'] for p in result['predictions']) == CLASSES


def test_class_count_differing_from_the_label_map_stops(
        own_dataset, tmp_path, repo_root, tool_env, reliability):
    name = 'stgcn_1xb16-u100-80e_custom-coco-2d.py'
    config = _child_config(tmp_path, repo_root, name, None)
    proc = _run(repo_root, tool_env, 'tools/train.py', config, '--work-dir',
                str(tmp_path / 'w'), '--data-root', str(own_dataset))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and lines[-1].startswith('error: '), \
        proc.stderr[-3000:]
    assert lines[-1] == (
        f"error: {own_dataset}/label_map.txt [field 'label_file']: 3 "
        'classes, but the model head has 2: train with --cfg-options '
        'model.cls_head.num_classes=3')
    reliability.record('own data', 'num_classes differs from label_map.txt',
                       lines[-1])


def test_fine_tuning_reinitialises_a_classifier_of_another_size(
        own_dataset, tmp_path, repo_root, tool_env):
    import torch
    from mmengine.config import Config
    from mmaction.registry import MODELS
    name = 'stgcn_1xb16-u100-80e_custom-coco-2d.py'
    config = _child_config(tmp_path, repo_root, name, None)
    cfg = Config.fromfile(config)
    cfg.model.cls_head.num_classes = 5  # a "released" 5-class model
    released = tmp_path / 'released.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()),
               released)
    proc = _run(repo_root, tool_env, 'tools/train.py', config, '--work-dir',
                str(tmp_path / 'w'), '--data-root', str(own_dataset),
                '--cfg-options', 'model.cls_head.num_classes=3',
                f'load_from={released}')
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert (f'{released}: re-initialised (not loaded): cls_head.fc.weight '
            '(5, 16) vs model (3, 16), cls_head.fc.bias (5,) vs model (3,)'
            ) in log, log[-3000:]
