"""Tiny configs with randomly initialised checkpoints, and their
``tools/test.py --dump`` results, for the inference tests."""
import os
import os.path as osp
import pickle
import sys

import torch
from mmengine.config import Config

from mmaction2_ext.apis import init_model
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from helpers import warm_python

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def write_config(repo_root, config, out_dir, dataset=None, **options):
    """``config`` with ``dataset`` keys set in every loader, dumped to
    ``out_dir/config.py``."""
    cfg = Config.fromfile(osp.join(repo_root, config))
    for loader in LOADERS:
        cfg[loader].dataset.update(dataset or {})
    cfg.merge_from_dict(options)
    path = str(out_dir / 'config.py')
    cfg.dump(path)
    return path


def synthetic_ma52(out_dir):
    """Two synthetic MA-52 test videos and their poses under
    ``out_dir/ma52``: (root, test pose pickle)."""
    root = out_dir / 'ma52'
    make_ma52(str(root), classes=(0, 11), samples_per_class=(1, 1, 1),
              size=64, frames=(40, 44))
    return root, str(root / 'MA-52_openpose_28kp' / 'MA52_test.pkl')


def pcan_test_config(repo_root, root, ann_file, out_dir):
    """The PCAN tiny config testing ``ann_file`` on the videos of ``root``."""
    return write_config(
        repo_root, 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
        out_dir, **{'test_dataloader.dataset.ann_file': ann_file,
                    'test_dataloader.dataset.list_file':
                    str(root / 'annotations' / 'test_list_videos.txt'),
                    'test_dataloader.dataset.data_prefix':
                    dict(video=str(root / 'raw_videos') + '/')})


def random_checkpoint(config, path, seed=0):
    """Save the config's freshly built weights as a checkpoint."""
    torch.manual_seed(seed)
    torch.save(dict(state_dict=init_model(config).state_dict()), path)
    return path


def tools_test_dump(repo_root, config, checkpoint, out_dir):
    """Records of ``tools/test.py CONFIG CHECKPOINT --dump``."""
    dump = str(out_dir / 'dump.pkl')
    proc = warm_python.run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--dump', dump,
         '--work-dir', str(out_dir / 'work')], cwd=repo_root,
        env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(dump, 'rb') as f:
        return pickle.load(f)


def run_tool(repo_root, tool, *args):
    """``python TOOL ARGS`` as a user runs it (no debug tracebacks)."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMACTION2_EXT_DEBUG', None)
    return warm_python.run([sys.executable, tool, *args], cwd=repo_root,
                           env=env, capture_output=True, text=True,
                           timeout=600)


def run_infer(repo_root, *args):
    return run_tool(repo_root, 'tools/infer.py', *args)
