"""TrainingStateHook: memories kept outside the state_dict travel in the
checkpoint (official keys unchanged) and come back on resume only."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from mmaction2_ext.apis import run_cli
from mmaction2_ext.engine.hooks import TRAINING_STATE_KEY, TrainingStateHook
from mmaction2_ext.engine.safety import SAFETY_HOOKS
from mmaction2_ext.models.localizers.haan import HAAN
from mmaction2_ext.models.losses import (ClassSpecificContrastiveLoss,
                                         HierProtoCalibration,
                                         ProtoCalibration)


class Logger:

    def __init__(self):
        self.warnings = []

    def warning(self, message):
        self.warnings.append(message)


def memories(seed, classes=4):
    torch.manual_seed(seed)
    return nn.ModuleDict(dict(
        body=ProtoCalibration(6, classes, 5),
        action=HierProtoCalibration(6, classes, 5, n_body=2),
        csc=ClassSpecificContrastiveLoss(classes, n_channel=6, h_channel=5)))


def runner(model, iteration, tmp_path):
    return SimpleNamespace(model=model, iter=iteration, logger=Logger(),
                           work_dir=str(tmp_path),
                           cfg=Config(dict(load_from=str(tmp_path / 'x.pth'))))


def saved_checkpoint(model):
    checkpoint = dict(state_dict=model.state_dict())
    TrainingStateHook().before_save_checkpoint(SimpleNamespace(model=model),
                                              checkpoint)
    return checkpoint


def load(model, checkpoint, iteration, tmp_path):
    hook, run = TrainingStateHook(), runner(model, iteration, tmp_path)
    hook.after_load_checkpoint(run, checkpoint)
    hook.before_train(run)
    return run


def test_memories_travel_beside_unchanged_state_dict(tmp_path):
    trained, fresh = memories(0), memories(1)
    checkpoint = saved_checkpoint(trained)
    assert set(checkpoint[TRAINING_STATE_KEY]) == {'body', 'csc'}
    # the action prototypes are official state_dict keys, the others are not
    assert [k for k in checkpoint['state_dict'] if k.endswith('avg_f')] == [
        'action.avg_f']
    fresh.load_state_dict(checkpoint['state_dict'])  # strict, as before
    load(fresh, checkpoint, iteration=8, tmp_path=tmp_path)
    for name in ('body', 'csc'):
        assert torch.equal(fresh[name].avg_f, trained[name].avg_f)


def test_load_from_and_test_keep_fresh_memories_as_upstream(tmp_path):
    trained, fresh = memories(0), memories(1)
    before = fresh['body'].avg_f.clone()
    load(fresh, saved_checkpoint(trained), iteration=0, tmp_path=tmp_path)
    assert torch.equal(fresh['body'].avg_f, before)


def test_save_body_prototypes_moves_them_into_the_state_dict():
    body = ProtoCalibration(6, 4, 5, persistent=True)
    assert 'avg_f' in body.state_dict() and body.training_state_dict() == {}


def test_haan_pseudo_labels_round_trip(tmp_path):
    def haan():
        return HAAN(feature_size=4, encoded_feature_size=8,
                    fine_to_coarse=[0, 1, 0], num_visual_concepts=3)
    trained, fresh = haan(), haan()
    labels = {'a': np.array([0, 2, 1], np.int32), 'b': np.array([1], np.int32)}
    trained.set_pseudo_labels(labels, torch.tensor([.5, .25, .25]))
    checkpoint = saved_checkpoint(trained)
    assert list(checkpoint['state_dict']) == list(fresh.state_dict())
    load(fresh, checkpoint, iteration=3, tmp_path=tmp_path)
    assert fresh.pseudo_labels.keys() == labels.keys()
    for name, value in labels.items():
        np.testing.assert_array_equal(fresh.pseudo_labels[name], value)
    assert torch.equal(fresh.pseudo_label_weights, trained.pseudo_label_weights)


def test_every_run_gets_the_hook():
    assert 'TrainingStateHook' in SAFETY_HOOKS


def test_resume_without_training_state_warns(tmp_path, reliability):
    run = load(memories(1), dict(state_dict={}), iteration=8,
               tmp_path=tmp_path)
    assert len(run.logger.warnings) == 1
    assert 'body, csc start afresh' in run.logger.warnings[0]
    reliability.record('checkpoint', 'resume from a checkpoint without '
                       'training state (official, older)',
                       run.logger.warnings[0])


@pytest.mark.parametrize('case', ['other class count', 'memory missing'])
def test_unfit_training_state_gives_one_clear_line(case, tmp_path, capsys,
                                                   reliability):
    checkpoint = saved_checkpoint(memories(0, classes=4))
    if case == 'memory missing':
        del checkpoint[TRAINING_STATE_KEY]['csc']
    model = memories(0, classes=3 if case == 'other class count' else 4)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: load(model, checkpoint, 8, tmp_path))
    assert exit_info.value.code == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith('error: ') and '\n' not in line
    assert str(tmp_path / 'x.pth') in line and 'training_state/' in line
    reliability.record('checkpoint', f'resumed training state: {case}', line)
