"""Tiny configs of every method on synthetic data, random-init checkpoints
and their ONNX exports (tools/deployment/export_onnx.py), shared by the
deploy tests. Exports need the [deploy] extra (``make deploy-install``):
``make test`` runs these tests in .venv-deploy, where a skip fails."""
import os
import os.path as osp
import sys

import numpy as np
import pytest

# the config / checkpoint helpers of the inference tests
sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'apis'))
from helpers import warm_python  # noqa: E402
from inference_cases import random_checkpoint, write_config  # noqa: E402

from mmaction2_ext.datasets.class_vectors import random_class_vectors  # noqa
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset  # noqa
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52  # noqa: E402
from mmaction2_ext.datasets.synthetic.skeleton import \
    write_skeleton_pickle  # noqa: E402

CONFIGS = dict(
    stgcn='configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
    protogcn='configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
    miga='configs/miga/'
    'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
    pcan='configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
    haan='configs/haan/haan_1xb4-10e_synthetic-feat.py')
SKELETON_LAYOUT = dict(stgcn='coco', protogcn='ntu', miga='imigue')


@pytest.fixture
def ort():
    """onnxruntime (a fixture, so MMACTION2_EXT_NO_SKIP turns the skip
    into a failure)."""
    return pytest.importorskip('onnxruntime')


def method_setup(method, repo_root, out):
    """``dict(config, checkpoint, data)`` of ``method`` under ``out``."""
    options, dataset = {}, {}
    if method in SKELETON_LAYOUT:
        data = write_skeleton_pickle(str(out / 'data.pkl'),
                                     SKELETON_LAYOUT[method], num_classes=4,
                                     samples_per_class=(1, 1), seed=3)
        dataset = dict(ann_file=data)
    if method == 'miga':  # its head reads the class vectors when built
        dataset['split'] = 'val'  # the synthetic pickle has no test split
        vectors = str(out / 'vectors.npy')
        np.save(vectors, random_class_vectors(4))
        options['model.cls_head.class_vectors'] = vectors
    if method == 'pcan':
        data = str(out / 'ma52')
        make_ma52(data, classes=(0, 30), samples_per_class=(1, 1, 1),
                  size=64, frames=(40, 48))
        dataset = dict(ann_file=f'{data}/MA-52_openpose_28kp/MA52_val.pkl',
                       list_file=None, data_prefix=dict(
                           video=f'{data}/raw_videos/'))
    if method == 'haan':
        info = make_haan_dataset(str(out / 'haan'), num_train=2, num_test=3,
                                 seed=2)
        data = info['ann_dir']
        dataset = dict(ann_dir=data, features=info['features'],
                       num_training_videos=info['num_train'])
        options['model.fine_to_coarse'] = info['fine_to_coarse']
    config = write_config(repo_root, CONFIGS[method], out, dataset, **options)
    return dict(config=config, data=data,
                checkpoint=random_checkpoint(config, str(out / 'model.pth')))


def run_export(repo_root, *args, python=sys.executable, prelude=None):
    """``tools/deployment/export_onnx.py ARGS`` as a user runs it;
    ``prelude``: Python run first in the same process."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMACTION2_EXT_DEBUG', None)
    tool = 'tools/deployment/export_onnx.py'
    cmd = [python, tool, *args] if prelude is None else [
        python, '-c', f'{prelude}; import runpy, sys; sys.argv = '
        f'{[tool, *args]!r}; runpy.run_path({tool!r}, run_name="__main__")']
    return warm_python.run(cmd, cwd=repo_root, env=env, capture_output=True,
                           text=True, timeout=600)


@pytest.fixture(scope='session')
def exported(tmp_path_factory, repo_root):
    """``exported(method)``: the method's setup plus ``onnx`` (its export
    with default settings) and ``log`` (the tool's stdout), made once."""
    cache = {}

    def get(method):
        if method not in cache:
            pytest.importorskip('onnxruntime')
            out = tmp_path_factory.mktemp(method)
            setup = method_setup(method, repo_root, out)
            onnx = str(out / 'model.onnx')
            proc = run_export(repo_root, setup['config'],
                              setup['checkpoint'], '--out', onnx)
            assert proc.returncode == 0, proc.stderr[-3000:]
            cache[method] = dict(setup, onnx=onnx, log=proc.stdout)
        return cache[method]
    return get
