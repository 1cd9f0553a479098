"""kill -9 between checkpoints, then ``--resume``: every method reaches the
same weights, optimizer and training state (memories kept outside the
state_dict) as an uninterrupted run with the same ``--seed``/``--deterministic``."""
import pytest

from kill_resume import CASES, assert_identical, straight_and_resumed
from mmaction2_ext.engine.hooks import TRAINING_STATE_KEY

#: the methods whose training keeps memories outside the state_dict
WITH_MEMORIES = ('protogcn', 'pcan', 'haan')


@pytest.mark.parametrize('method', list(CASES))
def test_kill_9_then_resume_is_exact(method, tmp_path, tool_env, repo_root):
    data = tmp_path / 'data'
    data.mkdir()
    config, options = CASES[method](data)
    tool_env['OMP_NUM_THREADS'] = '1'
    expected, got = straight_and_resumed(config, options, tmp_path, repo_root,
                                         tool_env)
    for key in ('state_dict', 'optimizer', 'param_schedulers',
                TRAINING_STATE_KEY):
        assert_identical(expected.get(key), got.get(key), key)
    assert bool(expected[TRAINING_STATE_KEY]) == (method in WITH_MEMORIES)
