"""Damaged or unfitting checkpoints through the real tools: one `error:` line
naming the file (tools/test.py CKPT, train.py --resume CKPT, load_from), and
partial loading only when asked for."""
import pickle
import sys

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from helpers import data_options, warm_python

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, repo_root):
    """(synthetic annotation file, the tiny config's model weights)."""
    cfg = Config.fromfile(f'{repo_root}/{CONFIG}')
    data = tmp_path_factory.mktemp('data')
    return (write_skeleton_pickle(str(data / 'coco.pkl'), 'coco',
                                  num_classes=4, samples_per_class=(2, 2)),
            MODELS.build(cfg.model).state_dict())


def _write(path, kind, state):
    """A checkpoint file damaged in the way ``kind`` says."""
    good = {'state_dict': state, 'meta': {'epoch': 1, 'iter': 1}}
    if kind == 'empty':
        open(path, 'wb').close()
    elif kind == 'truncated':
        torch.save(good, path)
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == 'pickled list':
        with open(path, 'wb') as f:
            pickle.dump([1, 2, 3], f)
    elif kind == 'torch-saved list':
        torch.save(list(state.values()), path)
    elif kind == 'bare tensor':
        torch.save(torch.zeros(3, 4), path)
    elif kind == 'dict without state_dict':
        torch.save({'model': state, 'epoch': 3}, path)
    elif kind == 'text file':
        path.write_text('version https://git-lfs.github.com/spec/v1\n')
    return str(path)


SAYS = {
    'empty': 'empty file (0 bytes)',
    'truncated': 'truncated torch.save archive',
    'pickled list': 'a plain pickle of a list, not a torch.save file',
    'torch-saved list': 'a list, not a checkpoint',
    'bare tensor': 'a bare tensor of shape (3, 4), not a checkpoint',
    'dict without state_dict': 'no state_dict and not a state dict itself '
                               '(top-level keys: model, epoch)',
    'text file': "a text file, not a checkpoint (starts with 'version https",
}


def _run(tool, args, ann_file, work_dir, env, repo_root, options=()):
    cmd = [sys.executable, f'tools/{tool}.py', CONFIG, *args, '--work-dir',
           str(work_dir), '--cfg-options', *data_options(ann_file),
           'train_cfg.max_epochs=1', *options]
    return warm_python.run(cmd, cwd=repo_root, env=env, text=True,
                           capture_output=True, timeout=300)


def _error_line(proc):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith('error: '), proc.stderr
    return lines[0]


def _entry(how, ckpt):
    """(tool, args, extra cfg options) that load ``ckpt`` the ``how`` way."""
    return {'test.py': ('test', [ckpt], []),
            '--resume': ('train', ['--resume', ckpt], []),
            'load_from': ('train', [], [f'load_from={ckpt}'])}[how]


@pytest.mark.parametrize('how,kind', [
    *[('test.py', kind) for kind in SAYS],
    ('--resume', 'truncated'), ('--resume', 'bare tensor'),
    ('load_from', 'text file'), ('load_from', 'torch-saved list')])
def test_damaged_checkpoint_gives_one_line(how, kind, tmp_path, tiny,
                                           tool_env, repo_root, reliability):
    ann_file, state = tiny
    ckpt = _write(tmp_path / 'bad.pth', kind, state)
    tool, args, options = _entry(how, ckpt)
    proc = _run(tool, args, ann_file, tmp_path / 'work', tool_env, repo_root,
                options)
    line = _error_line(proc)
    assert f'error: {ckpt}' in line and SAYS[kind] in line, line
    reliability.record('checkpoint', f'{kind} ({how})', line)


def test_resume_needs_a_training_state(tmp_path, tiny, tool_env, repo_root,
                                       reliability):
    ann_file, state = tiny
    ckpt = tmp_path / 'weights.pth'
    torch.save({'state_dict': state}, ckpt)
    proc = _run('train', ['--resume', str(ckpt)], ann_file, tmp_path / 'work',
                tool_env, repo_root)
    line = _error_line(proc)
    assert f'{ckpt}: cannot resume from it' in line
    assert 'meta.epoch, meta.iter, message_hub' in line
    assert f'load_from={ckpt}' in line
    reliability.record('checkpoint', 'weights-only file given to --resume',
                       line)


def _reshaped(state):
    """A 5-class head on the 4-class model."""
    other = dict(state)
    other['cls_head.fc.weight'] = torch.zeros(5, 16)
    other['cls_head.fc.bias'] = torch.zeros(5)
    return other


@pytest.mark.parametrize('how', ['test.py', '--resume', 'load_from'])
def test_shape_mismatch_is_refused(how, tmp_path, tiny, tool_env, repo_root,
                                   reliability):
    ann_file, state = tiny
    ckpt = tmp_path / 'five_classes.pth'
    torch.save({'state_dict': _reshaped(state), 'message_hub': {},
                'meta': {'epoch': 1, 'iter': 1}}, ckpt)
    tool, args, options = _entry(how, str(ckpt))
    proc = _run(tool, args, ann_file, tmp_path / 'work', tool_env, repo_root,
                options)
    line = _error_line(proc)
    assert f'error: {ckpt} does not fit the model' in line
    assert '2 with another shape: cls_head.fc.weight (5, 16) vs model ' \
           '(4, 16), cls_head.fc.bias (5,) vs model (4,)' in line
    assert 'load_partial=True' in line and '--load-partial' in line
    reliability.record('checkpoint', f'weights of another shape ({how})', line)


def test_too_few_keys_is_refused(tmp_path, tiny, tool_env, repo_root,
                                 reliability):
    ann_file, state = tiny
    ckpt = tmp_path / 'head_only.pth'
    torch.save({'state_dict': {k: v for k, v in state.items()
                               if k.startswith('cls_head')}}, ckpt)
    proc = _run('test', [str(ckpt)], ann_file, tmp_path / 'work', tool_env,
                repo_root)
    line = _error_line(proc)
    required = sum(not k.endswith('num_batches_tracked') for k in state)
    assert f'{ckpt} does not fit the model: 2/{required} of the model ' \
           f'weights found; {required - 2} missing: backbone.' in line
    reliability.record('checkpoint', 'checkpoint covering a small part of '
                       'the model (test.py)', line)


@pytest.mark.parametrize('switch', ['--load-partial', 'load_partial=True'])
def test_partial_loading_on_request(switch, tmp_path, tiny, tool_env,
                                    repo_root):
    ann_file, state = tiny
    ckpt = tmp_path / 'partial.pth'
    partial = {k: v for k, v in _reshaped(state).items()
               if not k.startswith('backbone.gcn.1')}
    torch.save({'state_dict': partial}, ckpt)
    args, options = ([switch], []) if switch.startswith('--') else \
        ([], [switch])
    proc = _run('train', args, ann_file, tmp_path / 'work', tool_env,
                repo_root, [f'load_from={ckpt}', *options])
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    missing = sum(k.startswith('backbone.gcn.1')
                  and not k.endswith('num_batches_tracked') for k in state)
    assert f'partial load of {ckpt}: ' in log, log[-3000:]
    assert '2 with another shape: cls_head.fc.weight (5, 16) vs model ' \
           '(4, 16)' in log
    assert f'{missing} missing: backbone.gcn.1.' in log
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
