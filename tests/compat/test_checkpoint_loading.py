"""Weights-only checkpoint loading with an allow-list (stack.md B)."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

from mmaction2_ext.compat import (TRUST_ENV, CheckpointError,
                                   UnsafeCheckpointError)


class Arbitrary:
    """Stands for any class a malicious pickle could name."""


def _resume_like_checkpoint():
    hub = MessageHub.get_instance('test_checkpoint_loading')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/lr', np.float64(0.1))
    hub.update_info('iter', 3)
    return dict(meta=dict(epoch=1, iter=3, seed=np.int64(7)),
                state_dict={'w': torch.ones(2, 3)},
                message_hub=hub.state_dict(),
                optimizer=torch.optim.SGD([torch.nn.Parameter(
                    torch.zeros(1))], lr=0.1).state_dict())


def test_resume_file_loads_weights_only(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = tmp_path / 'epoch_1.pth'
    torch.save(_resume_like_checkpoint(), path)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2, 3))
    assert ckpt['meta']['seed'] == 7
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert buffer.current() == 1.5


def test_arbitrary_objects_are_refused_with_instructions(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': Arbitrary()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path), map_location='cpu')
    message = str(info.value)
    assert str(path) in message and 'Arbitrary' in message
    assert TRUST_ENV in message


def test_trusted_opt_in_loads_everything(tmp_path, monkeypatch):
    path = tmp_path / 'trusted.pth'
    torch.save({'payload': Arbitrary()}, path)
    monkeypatch.setenv(TRUST_ENV, '1')
    assert isinstance(_load_checkpoint(str(path))['payload'], Arbitrary)


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def _legacy_truncated(path):
    torch.save({'state_dict': {'w': torch.zeros(100)}}, path,
               _use_new_zipfile_serialization=False)
    path.write_bytes(path.read_bytes()[:-100])


@pytest.mark.parametrize('write,says', [
    (_legacy_truncated, r'truncated file \(\d+ bytes, ends early\)'),
    (lambda p: p.write_bytes(pickle.dumps({'w': 1})),
     'a plain pickle of a dict, not a torch.save file'),
    (lambda p: p.write_bytes(b'\0' * 64), r'not a PyTorch checkpoint'),
])
def test_unreadable_files_say_what_they_are(write, says, tmp_path):
    path = tmp_path / 'bad.pth'
    write(path)
    with pytest.raises(CheckpointError,
                       match=f'{path}: cannot read the checkpoint: {says}'):
        _load_checkpoint(str(path))
