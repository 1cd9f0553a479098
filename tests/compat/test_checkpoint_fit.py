"""checkpoint_fit on small modules: what is accepted, what is refused."""
import re

import pytest
import torch
from torch import nn

from mmaction2_ext.compat import CheckpointError
from mmaction2_ext.compat.checkpoint_fit import (check_fit, check_resumable,
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


def _ten_weights():
    """A model of exactly 10 weight tensors (5 linear layers)."""
    return nn.Sequential(*[nn.Linear(2, 2) for _ in range(5)])


def _without(state, *keys):
    return {k: v for k, v in state.items() if k not in keys}


def test_ninety_percent_found_is_the_boundary():
    model = _ten_weights()
    state = model.state_dict()
    fit = check_fit(model, _without(state, '4.bias'), 'f.pth')  # 9/10
    assert fit.fits and fit.found == 9 and fit.required == 10
    with pytest.raises(CheckpointError, match=r'8/10 of the model weights '
                       r'found; 2 missing: 4.weight, 4.bias'):
        check_fit(model, _without(state, '4.weight', '4.bias'), 'f.pth')


def test_optional_keys_never_count_as_found():
    model = _ten_weights()
    state = _without(model.state_dict(), '0.weight', '0.bias', '1.weight')
    # 8 required (4.* optional, present), 5 of them found: 5 < 7.2
    with pytest.raises(CheckpointError, match='5/8 of the model weights'):
        check_fit(model, state, 'f.pth', partial=['4.*'])


@pytest.mark.parametrize('partial', ['2.*', ['2.*'], ('2.*', ), ['2.w*',
                                                                 '2.b*']])
def test_load_partial_takes_one_pattern_or_a_list(partial):
    """A single pattern is one pattern (not its characters, where ``*``
    alone would excuse every key)."""
    model = _model()
    state = _without(model.state_dict(), '2.weight', '2.bias')
    fit = check_fit(model, state, 'f.pth', partial=partial)
    assert fit.optional_missing == ['2.weight', '2.bias']
    with pytest.raises(CheckpointError, match='1 missing: 0.bias'):
        check_fit(model, _without(state, '0.bias'), 'f.pth', partial=partial)


@pytest.mark.parametrize('partial', [False, [], ()])
def test_no_load_partial_is_strict(partial):
    model = _model()
    state = _without(model.state_dict(), '2.weight', '2.bias')
    with pytest.raises(CheckpointError, match='2 missing: 2.weight, 2.bias'):
        check_fit(model, state, 'f.pth', partial=partial)


def test_a_reshaped_weight_is_refused_even_when_enough_are_found():
    model = _ten_weights()
    state = dict(model.state_dict(), **{'4.bias': torch.zeros(3)})
    with pytest.raises(CheckpointError, match=re.escape(
            '9/10 of the model weights found; 1 with another shape: 4.bias '
            '(3,) vs model (2,)')):
        check_fit(model, state, 'f.pth')


def test_extra_state_entries_need_not_be_tensors():
    state = dict(_model().state_dict(), **{'x._extra_state': {'k': 1}})
    assert checkpoint_state_dict({'state_dict': state}, 'f') is state
    assert checkpoint_state_dict(state, 'f') is state


@pytest.mark.parametrize('checkpoint,lacks', [
    ({'meta': {'epoch': 1, 'iter': 8}, 'message_hub': {}}, None),
    ({'meta': {'epoch': 1}, 'message_hub': {}}, 'meta.iter'),
    ({'meta': {'iter': 8}, 'message_hub': {}}, 'meta.epoch'),
    ({'meta': {'epoch': 0, 'iter': 0}}, 'message_hub'),
    ({'message_hub': {}}, 'meta.epoch, meta.iter'),
    ({'meta': [1], 'message_hub': {}}, 'meta.epoch, meta.iter'),
])
def test_resume_needs_every_part_of_the_training_state(checkpoint, lacks):
    if lacks is None:
        check_resumable(checkpoint, 'f.pth')
        return
    with pytest.raises(CheckpointError, match=re.escape(
            f'f.pth: cannot resume from it, it has no training state '
            f'({lacks})')):
        check_resumable(checkpoint, 'f.pth')
