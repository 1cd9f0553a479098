"""Data pickles and object .npy files load without running code (§5)."""
import collections
import glob
import os.path as osp
import pickle
import re
import sys

import numpy as np
import pytest
import torch

from mmaction.registry import DATASETS
from mmaction2_ext.datasets import HAANFeatureDataset
from mmaction2_ext.utils import (DataError, UnsafePickleError, safe_load,
                                 safe_np_load)
from helpers import RunsCode, warm_python


def _hostile_pickle(tmp_path, wrap=lambda x: x):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'hostile.pkl'
    path.write_bytes(pickle.dumps(wrap(RunsCode(marker))))
    return str(path), marker


def test_refuses_a_pickle_that_runs_code(tmp_path):
    path, marker = _hostile_pickle(tmp_path, lambda x: [{'label': 1, 'x': x}])
    with pytest.raises(UnsafePickleError) as err:
        safe_load(path)
    assert str(err.value).startswith(path)
    assert "refused to unpickle global 'posix.system'" in str(err.value)
    assert not marker.exists()
    with open(path, 'rb') as f:
        pickle.load(f)  # the crafted file does run code when unrestricted
    assert marker.exists()


def test_pose_dataset_refuses_hostile_annotation_file(tmp_path, reliability):
    path, marker = _hostile_pickle(
        tmp_path, lambda x: dict(split={'train': []}, annotations=[x]))
    with pytest.raises(UnsafePickleError) as err:
        DATASETS.build(dict(type='CheckedPoseDataset', ann_file=path, split='train',
                            pipeline=[]))
    assert not marker.exists()
    reliability.record('data', 'annotation pickle that would run code',
                       str(err.value))


def test_haan_refuses_hostile_object_npy(tmp_path):
    marker = tmp_path / 'code_ran'
    ann_dir = tmp_path / 'ann'
    ann_dir.mkdir()
    array = np.empty(1, dtype=object)
    array[0] = RunsCode(marker)
    np.save(ann_dir / 'video_names.npy', array, allow_pickle=True)
    with pytest.raises(UnsafePickleError, match='video_names.npy: refused'):
        HAANFeatureDataset(str(ann_dir), str(tmp_path), 'train', 1)
    assert not marker.exists()


def test_ensemble_cli_refuses_hostile_dump(tmp_path, tool_env, repo_root,
                                           reliability):
    path, marker = _hostile_pickle(tmp_path, lambda x: [x])
    proc = warm_python.run([sys.executable, 'tools/ensemble.py', path],
                           cwd=repo_root, env=tool_env, text=True,
                           capture_output=True, timeout=120)
    assert not marker.exists()
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(errors) == 1, proc.stderr
    assert errors[0].startswith(f'error: {path}: refused to unpickle global')
    reliability.record('data', '--dump pickle that would run code', errors[0])


def test_official_haan_annotations_load_as_numpy_does(upstream_dir):
    files = sorted(glob.glob(osp.join(upstream_dir, 'haan', 'dataset', '*',
                                      '*.npy')))
    assert len(files) == 8
    for path in files:
        ours = safe_np_load(path)
        theirs = np.load(path, allow_pickle=True)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        for a, b in zip(ours[:50], theirs[:50]):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_upstream_pickles_load(upstream_dir):
    """PoseDataset metadata, AVA proposals and mmaction2 --dump files (torch
    tensors) all load; tensors come back equal."""
    paths = sorted(glob.glob(osp.join(upstream_dir, '**', '*.pkl'),
                             recursive=True))
    assert len(paths) == 4
    for path in paths:
        ours = safe_load(path)
        with open(path, 'rb') as f:
            theirs = pickle.load(f)
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
    joint = safe_load(osp.join(upstream_dir, 'mmaction2', 'demo', 'fuse',
                               'joint.pkl'))
    assert isinstance(joint[0]['pred_score'], torch.Tensor)
    assert joint[0]['pred_score'].shape == (120, )


def test_not_a_pickle_is_named(tmp_path):
    path = tmp_path / 'notes.pkl'
    path.write_text('just text\n')
    with pytest.raises(DataError, match=r'notes\.pkl: cannot read it as a '
                       'pickle file'):
        safe_load(str(path))


def _short_unicode(text):
    data = text.encode()
    return b'\x8c' + bytes([len(data)]) + data


def _calls(module, name, arg='x', protocol=0):
    """A pickle that calls ``module.name(arg)`` while loading: protocol 0
    names it with GLOBAL, protocol 4 with STACK_GLOBAL."""
    if protocol == 0:
        return f"c{module}\n{name}\n(V{arg}\ntR.".encode()
    return (b'\x80\x04' + _short_unicode(module) + _short_unicode(name) +
            b'\x93' + _short_unicode(arg) + b'\x85R.')


# what a hostile data file calls: code evaluation and imports, processes,
# file reads and writes, attribute access, and the non-data globals of the
# modules whose data types are allowed
HOSTILE_GLOBALS = [
    ('builtins', 'eval'), ('builtins', 'exec'), ('builtins', 'compile'),
    ('builtins', '__import__'), ('builtins', 'getattr'),
    ('builtins', 'setattr'), ('builtins', 'globals'), ('builtins', 'open'),
    ('builtins', 'breakpoint'), ('builtins', 'type'), ('builtins', 'object'),
    ('__builtin__', 'eval'), ('builtins', 'dict.fromkeys'),
    ('os', 'system'), ('posix', 'system'), ('os', 'popen'),
    ('os', 'remove'), ('os', 'execv'), ('nt', 'system'),
    ('subprocess', 'Popen'), ('subprocess', 'check_output'),
    ('shutil', 'rmtree'), ('shutil', 'copyfile'),
    ('io', 'open'), ('_io', 'open'), ('io', 'FileIO'), ('codecs', 'open'),
    ('pathlib', 'Path'), ('tempfile', 'mkstemp'), ('pickle', 'loads'),
    ('importlib', 'import_module'), ('operator', 'attrgetter'),
    ('functools', 'partial'), ('collections', 'namedtuple'),
    ('_codecs', 'decode'), ('runpy', 'run_path'),
    ('numpy', 'load'), ('numpy', 'save'), ('numpy', 'fromfile'),
    ('numpy', 'loadtxt'), ('numpy', 'frombuffer'),
    ('numpy', '__builtins__'), ('numpy', '_add_dtype_helper'),
    ('numpy', '__loader__'), ('numpy.dtypes', '__builtins__'),
    ('numpy.dtypes', '_add_dtype_helper'), ('numpy.dtypes', '__class__'),
    ('numpy.core.multiarray', 'fromfile'), ('numpy._core.multiarray',
                                            'frombuffer'),
    ('numpy.core.numeric', 'load'), ('numpy.testing', 'assert_'),
    ('torch', 'load'), ('torch', 'save'), ('torch', 'from_file'),
    ('torch', '__builtins__'), ('torch.serialization', 'load'),
    ('torch._utils', '_rebuild_parameter'), ('torch.storage', 'TypedStorage'),
]


@pytest.mark.parametrize('protocol', [0, 4])
@pytest.mark.parametrize('module,name', HOSTILE_GLOBALS)
def test_every_global_outside_the_data_types_is_refused(module, name,
                                                         protocol, tmp_path):
    path = tmp_path / 'hostile.pkl'
    path.write_bytes(_calls(module, name, protocol=protocol))
    with pytest.raises(UnsafePickleError, match=re.escape(
            f"refused to unpickle global '{module}.{name}'")):
        safe_load(str(path))


def test_nested_reduce_is_refused_before_anything_runs(tmp_path):
    """An allowed callable (OrderedDict) whose argument a refused one
    (eval) builds: nothing is called."""
    marker = tmp_path / 'code_ran'
    inner = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path = tmp_path / 'nested.pkl'
    path.write_bytes(b'ccollections\nOrderedDict\n(cbuiltins\neval\n(V' +
                     inner.encode() + b'\ntRtR.')
    with pytest.raises(UnsafePickleError, match="'builtins.eval'"):
        safe_load(str(path))
    assert not marker.exists()
    with open(path, 'rb') as f:
        with pytest.raises(TypeError):  # eval returned None: OrderedDict(None)
            pickle.load(f)
    assert marker.exists()  # unrestricted, the inner call did run


def test_the_data_types_still_load(tmp_path):
    """What is allowed, in every protocol: containers, numbers, numpy arrays
    and dtypes (numpy 1 and 2 names), tensors."""
    data = {'a': [1, 2.5, 3 + 1j, True, None, 'x', b'y', bytearray(b'z')],
            'set': {1, 2}, 'frozen': frozenset({3}), 'slice': slice(1, 5),
            'od': collections.OrderedDict(k=1),
            'arr': np.arange(6, dtype=np.float32).reshape(2, 3),
            'obj': np.array([{'k': 1}], dtype=object),
            'dtype': np.dtype('int16'), 'scalar': np.float64(2.5),
            'tensor': torch.arange(4.)}
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / f'p{protocol}.pkl'
        path.write_bytes(pickle.dumps(data, protocol=protocol))
        got = safe_load(str(path))
        assert got.keys() == data.keys()
        np.testing.assert_array_equal(got['arr'], data['arr'])
        assert got['a'] == data['a'] and got['dtype'] == np.int16
        assert got['scalar'] == 2.5 and got['obj'][0] == {'k': 1}
        assert torch.equal(got['tensor'], data['tensor'])
