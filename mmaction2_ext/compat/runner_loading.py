"""``Runner.load_checkpoint`` and ``Runner.resume`` that refuse damaged or
unfitting checkpoints with one clear message (see :mod:`.checkpoint_fit`).

Installed on mmengine's ``Runner`` itself, so every config and runner type
(``load_from``, ``tools/test.py CKPT``, ``--resume``) goes through it.
"""
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from .checkpoint_fit import check_fit, check_resumable, checkpoint_state_dict

_mmengine_resume = Runner.resume


def load_checkpoint(self, filename: str, map_location='cpu',
                    strict: bool = False,
                    revise_keys: list = [(r'^module.', '')]):  # noqa: B006
    """mmengine's ``Runner.load_checkpoint``, with the file checked before
    any hook sees it and the fit checked before the model loads it."""
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    checkpoint_state_dict(checkpoint, filename)
    if getattr(self, '_resuming_from', None) == filename:
        check_resumable(checkpoint, filename)
    self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    model = self.model.module if is_model_wrapper(self.model) else self.model
    check_fit(model, checkpoint_state_dict(checkpoint, filename), filename,
              self.cfg.get('load_partial', False), self.logger, revise_keys)
    checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                           revise_keys=revise_keys)
    self._has_loaded = True
    self.logger.info(f'Load checkpoint from {filename}')
    return checkpoint


def resume(self, filename: str, *args, **kwargs) -> None:
    """mmengine's ``Runner.resume``; the file must hold a training state.
    ``runner._resumed_from`` keeps its path (checkpoint clean-up spares it)."""
    self._resuming_from = filename
    try:
        _mmengine_resume(self, filename, *args, **kwargs)
    finally:
        self._resuming_from = None
    self._resumed_from = filename


def install_checked_runner_loading() -> None:
    Runner.load_checkpoint = load_checkpoint
    Runner.resume = resume
