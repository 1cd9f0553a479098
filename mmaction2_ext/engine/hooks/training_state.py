"""Carry the memories kept outside the state_dict through checkpoints."""
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmaction.registry import HOOKS
from ...utils.errors import data_error

#: top-level checkpoint key beside ``state_dict`` (its keys stay official)
TRAINING_STATE_KEY = 'training_state'


def stateful_modules(model) -> Dict[str, object]:
    """Submodules answering ``training_state_dict()``, by name ('' = root)."""
    model = model.module if is_model_wrapper(model) else model
    return {name: module for name, module in model.named_modules()
            if hasattr(module, 'training_state_dict')}


@HOOKS.register_module()
class TrainingStateHook(Hook):
    """Save every module's ``training_state_dict()`` (PCAN body prototypes,
    ProtoGCN CSC memory, HAAN pseudo-labels...) in each checkpoint under
    ``training_state``; on ``--resume`` hand it back through
    ``load_training_state_dict``, so the run goes on as if uninterrupted.

    Only a resume restores it: upstream never saves these memories, so
    ``load_from`` (fine-tuning) and testing start from fresh ones as upstream
    does (inference reads only state_dict weights). A resumed checkpoint
    without the key (official or older ones) goes on with fresh memories,
    with a warning.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._loaded: Optional[dict] = None
        self._loaded_from: Optional[str] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[TRAINING_STATE_KEY] = {
            name: module.training_state_dict()
            for name, module in stateful_modules(runner.model).items()}

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get(TRAINING_STATE_KEY)
        # the file being resumed (SafeRunner records it; an
        # auto-resume may fall back from last_checkpoint to another file)
        self._loaded_from = getattr(runner, '_resuming_from', None) or \
            runner.cfg.get('load_from')

    def before_train(self, runner) -> None:
        """After ``load_or_resume``: a resumed run starts past iteration 0."""
        loaded, self._loaded = self._loaded, None
        modules = stateful_modules(runner.model)
        if runner.iter == 0 or not modules:
            return
        if loaded is None:
            fresh = [n or 'the model' for n, m in modules.items()
                     if m.training_state_dict()]
            if fresh:
                runner.logger.warning(
                    f'the resumed checkpoint has no {TRAINING_STATE_KEY}: the '
                    f'memories of {", ".join(fresh)} start afresh (as '
                    'upstream), so the run differs from an uninterrupted one')
            return
        for name, module in modules.items():
            try:
                module.load_training_state_dict(loaded[name])
            except (KeyError, ValueError) as err:
                problem = f'{err} (was it saved by this config?)' \
                    if isinstance(err, ValueError) else 'missing'
                raise data_error(self._loaded_from, f'cannot resume: {problem}',
                                 field=f'{TRAINING_STATE_KEY}/{name}') from err
