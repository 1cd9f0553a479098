"""tools/train.py --vis-backend: TensorBoard, MLflow and W&B (offline) runs
hold the loss at every iteration and the main metric at every epoch, with
the values mmengine's local scalars.json holds at those steps."""
import glob
import json
import os.path as osp
import struct
import sys

import pytest

from helpers import warm_python

TOOL = 'tools/train.py'
TINY = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


def _train(repo_root, env, work_dir, config, options, backends, epochs=2):
    env = dict(env, WANDB_SILENT='true')
    env.pop('WANDB_MODE', None)  # offline is the default under test
    proc = warm_python.run(
        [sys.executable, TOOL, config, '--work-dir', str(work_dir),
         '--vis-backend', *backends, '--cfg-options', *options,
         f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1'],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (vis_data, ) = glob.glob(osp.join(work_dir, '*', 'vis_data'))
    return vis_data


def _local(vis_data, key):
    """``{step: value}`` of ``key`` in mmengine's own scalars.json."""
    with open(osp.join(vis_data, 'scalars.json')) as f:
        rows = [json.loads(line) for line in f]
    return {r['step']: r[key] for r in rows if key in r}


def _tensorboard(vis_data, key):
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    events = EventAccumulator(vis_data)
    events.Reload()
    return {e.step: e.value for e in events.Scalars(key)}


def _mlflow(vis_data, key):
    (path, ) = glob.glob(osp.join(vis_data, '*', '*', 'metrics', key))
    with open(path) as f:  # "timestamp value step" per line
        return {int(s): float(v) for _, v, s in map(str.split, f)}


def _wandb_records(path):
    """Records of a W&B offline ``.wandb`` file: a 7-byte header, then
    LevelDB-log blocks of 32 KiB (crc32, length, type, data; records split
    across blocks as FIRST/MIDDLE/LAST)."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:4] == b':W&B'
    pos, block, record = 7, 32768, b''
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # block tail padding
            pos += block - pos % block
            continue
        _, length, kind = struct.unpack('<IHB', data[pos:pos + 7])
        record += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # FULL, LAST
            yield record
            record = b''
        elif kind == 0:
            break


def _wandb(vis_data, key):
    from wandb.proto import wandb_internal_pb2 as pb
    (path, ) = glob.glob(osp.join(vis_data, 'wandb', 'offline-run-*',
                                  'run-*.wandb'))
    values = {}
    for data in _wandb_records(path):
        record = pb.Record()
        record.ParseFromString(data)
        if record.WhichOneof('record_type') != 'history':
            continue
        row = {i.key or '/'.join(i.nested_key): json.loads(i.value_json)
               for i in record.history.item}
        if key in row:
            values[row['step']] = row[key]
    return values


READERS = dict(tensorboard=_tensorboard, mlflow=_mlflow, wandb=_wandb)


def _needs(*modules):
    import importlib.util
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f'{", ".join(missing)} not installed (make '
                    'tracking-install)')


def _check(vis_data, backend, key, steps):
    got = READERS[backend](vis_data, key)
    local = _local(vis_data, key)
    assert sorted(got) == steps, (backend, key, got)
    assert all(v == v for v in got.values()), got  # not NaN
    assert got == pytest.approx({s: local[s] for s in steps}, rel=1e-6)


def test_every_backend_logs_loss_and_top1(tmp_path, skeleton_options,
                                          repo_root, tool_env):
    _needs('tensorboard', 'mlflow', 'wandb')
    vis_data = _train(repo_root, tool_env, tmp_path / 'work', TINY,
                      [*skeleton_options, 'model.cls_head.num_classes=4'],
                      ['tensorboard', 'mlflow', 'wandb'])
    # 24 training samples, batch 8: iterations 1-6 over 2 epochs
    for backend in READERS:
        _check(vis_data, backend, 'loss', [1, 2, 3, 4, 5, 6])
        _check(vis_data, backend, 'acc/top1', [1, 2])


@pytest.mark.parametrize('method', ['pcan', 'haan'])
def test_tensorboard_holds_the_methods_main_metric(method, tmp_path,
                                                   repo_root, tool_env):
    _needs('tensorboard')
    if method == 'pcan':
        from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
        root = tmp_path / 'ma52'
        make_ma52(str(root), classes=(0, 11), samples_per_class=(2, 1, 1),
                  size=64, frames=(40, 44))
        config = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'
        options = [
            f'{loader}_dataloader.dataset.{k}={v}'
            for loader, split in (('train', 'train'), ('val', 'val'))
            for k, v in (
                ('ann_file', root / 'MA-52_openpose_28kp' /
                 f'MA52_{split}.pkl'),
                ('list_file', root / 'annotations' /
                 f'{split}_list_videos.txt'),
                ('data_prefix.video', f'{root / "raw_videos"}/'))]
        key = 'ma52/F1_mean'
    else:
        from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
        # enough test videos for every class to have a segment (mAP of a
        # class without one is NaN)
        info = make_haan_dataset(str(tmp_path / 'haan'), num_train=8,
                                 num_test=12, seed=1)
        config = 'configs/haan/haan_1xb4-10e_synthetic-feat.py'
        options = [f'{loader}_dataloader.dataset.{k}={v}'
                   for loader in ('train', 'val')
                   for k, v in (('ann_dir', info['ann_dir']),
                                ('features', info['features']),
                                ('num_training_videos', 8))]
        options.append(f'model.fine_to_coarse={info["fine_to_coarse"]}')
        key = 'haan/avg_mAP'
    vis_data = _train(repo_root, tool_env, tmp_path / 'work', config,
                      options, ['tensorboard'], epochs=1)
    _check(vis_data, 'tensorboard', key, [1])
    assert _tensorboard(vis_data, 'loss')


@pytest.mark.parametrize('case', ['unknown backend'])
def test_bad_backend_is_one_error_line(case, tmp_path, repo_root, tool_env,
                                       reliability):
    proc = warm_python.run(
        [sys.executable, TOOL, TINY, '--work-dir', str(tmp_path / 'w'),
         '--vis-backend', 'tensorboard', 'comet'], cwd=repo_root,
        env=tool_env, capture_output=True, text=True, timeout=300)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0] == ('error: --vis-backend comet: expected one of '
                        'tensorboard, mlflow, wandb')
    assert not (tmp_path / 'w').exists()
    reliability.record('CLI', 'tools/train.py --vis-backend with an unknown '
                       'name', lines[0])


def test_missing_package_is_named(monkeypatch):
    from mmengine.config import Config

    from mmaction2_ext.apis import UsageError
    from mmaction2_ext.engine import tracking
    cfg = Config(dict(visualizer=dict(type='ActionVisualizer',
                                      vis_backends=[])))
    real = tracking.importlib.util.find_spec
    monkeypatch.setattr(tracking.importlib.util, 'find_spec',
                        lambda name: None if name == 'mlflow' else real(name))
    with pytest.raises(UsageError, match='--vis-backend mlflow needs the '
                       'mlflow-skinny package: make tracking-install'):
        tracking.add_vis_backends(cfg, ['mlflow'], 'c.py')
    assert cfg.visualizer.vis_backends == []
    # a name given twice is added once, after the config's own backends
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    tracking.add_vis_backends(cfg, ['tensorboard', 'tensorboard'], 'c.py')
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend']
