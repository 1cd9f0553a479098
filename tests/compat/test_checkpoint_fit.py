"""checkpoint_fit on small modules: what is accepted, what is refused."""
import pytest
import torch
from torch import nn

from mmaction2_ext.compat import CheckpointError
from mmaction2_ext.compat.checkpoint_fit import (check_fit,
                                                 checkpoint_state_dict)


def _model():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))


def test_bare_state_dict_and_extra_top_level_keys_are_accepted():
    state = _model().state_dict()
    assert checkpoint_state_dict(state, 'f') is state
    ckpt = {'state_dict': state, 'meta': {}, 'prototypes': [1, 2],
            'pseudo_labels': {'v': 3}}
    assert checkpoint_state_dict(ckpt, 'f') is state


def test_ddp_prefix_and_missing_num_batches_tracked_fit_exactly():
    model = _model()
    state = {f'module.{k}': v for k, v in model.state_dict().items()
             if not k.endswith('num_batches_tracked')}
    assert check_fit(model, state, 'ddp.pth').exact


def test_optional_patterns_only_excuse_their_keys():
    model = _model()
    state = model.state_dict()
    head_less = {k: v for k, v in state.items() if not k.startswith('2.')}
    with pytest.raises(CheckpointError, match=r'6/8 of the model weights '
                       r'found; 2 missing: 2.weight, 2.bias'):
        check_fit(model, head_less, 'f.pth')
    fit = check_fit(model, head_less, 'f.pth', partial=['2.*'])
    assert fit.fits and fit.optional_missing == ['2.weight', '2.bias']
    with pytest.raises(CheckpointError, match='1 missing: 0.bias'):
        check_fit(model, {k: v for k, v in head_less.items()
                          if k != '0.bias'}, 'f.pth', partial=['2.*'])
    reshaped = dict(state, **{'0.weight': torch.zeros(3, 4)})
    with pytest.raises(CheckpointError, match=r'1 with another shape: '
                       r'0.weight \(3, 4\) vs model \(8, 4\)'):
        check_fit(model, reshaped, 'f.pth', partial=['2.*'])


def test_a_pattern_reinitialises_its_reshaped_keys_and_logs_them():
    # fine-tuning on another class count: the classifier keeps its init
    model = _model()
    state = dict(model.state_dict(), **{'2.weight': torch.zeros(3, 8),
                                        '2.bias': torch.zeros(3)})
    logged = []

    class Logger:
        warning = logged.append

    fit = check_fit(model, state, 'f.pth', partial=['2.*'], logger=Logger)
    assert fit.fits and not fit.mismatched
    assert fit.reinitialised == ['2.weight (3, 8) vs model (2, 8)',
                                 '2.bias (3,) vs model (2,)']
    assert logged[-1] == ('f.pth: re-initialised (not loaded): 2.weight '
                          '(3, 8) vs model (2, 8), 2.bias (3,) vs model (2,)')


def test_partial_true_loads_anything_with_a_summary():
    model = _model()
    logged = []

    class Logger:
        warning = logged.append

    fit = check_fit(model, {'other.weight': torch.zeros(1)}, 'x.pth', True,
                    Logger)
    assert not fit.fits
    assert logged == [
        'partial load of x.pth: 0/8 of the model weights found; 8 missing: '
        '0.weight, 0.bias, 1.weight (+5 more); 1 unexpected: other.weight '
        '(missing keys keep their init, other shapes are skipped)']


def test_non_tensor_entries_are_named():
    with pytest.raises(CheckpointError,
                       match="f: state_dict entry 'w' is a str, not a tensor"):
        checkpoint_state_dict({'state_dict': {'w': 'x'}}, 'f')
    with pytest.raises(CheckpointError, match='f: state_dict is a list'):
        checkpoint_state_dict({'state_dict': [1]}, 'f')
