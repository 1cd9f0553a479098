"""Hooks every run gets, whatever its config puts in ``custom_hooks``.

A config that replaces ``custom_hooks`` (as the HAAN configs do) would
otherwise drop the NaN stop, the per-epoch seeding, the label-range
check, the hidden-label test guard and the progress logging (interval capped
at a tenth of each loader) without a word. ``configs/_base_/
default_runtime.py`` lists them; the tools add what a config lacks through
:func:`.upgrade.upgrade_config`, which logs it. Opting out takes an explicit
top-level ``safety_hooks = False`` and a ``custom_hooks`` without them.
"""
import warnings

from mmengine.config import Config

#: registered names of the hooks that :func:`add_safety_hooks` guarantees
SAFETY_HOOKS = ['NanGuardHook', 'EpochSeedHook', 'LabelRangeHook',
                'TrainingStateHook', 'HiddenLabelsHook',
                'ProgressIntervalHook']


def hook_name(hook) -> str:
    kind = hook.get('type') if isinstance(hook, dict) else type(hook)
    name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    return name.split('.')[-1]  # 'mmaction.NanGuardHook' -> 'NanGuardHook'


def add_safety_hooks(cfg: Config) -> Config:
    """Append each hook of :data:`SAFETY_HOOKS` missing from
    ``cfg.custom_hooks`` (unless ``cfg.safety_hooks`` is False)."""
    if cfg.get('safety_hooks', True) is False:
        warnings.warn('safety_hooks=False: training is not stopped at a NaN '
                      'loss and --resume is not reproducible')
        return cfg
    hooks = list(cfg.get('custom_hooks') or [])
    present = {hook_name(h) for h in hooks}
    hooks += [dict(type=name) for name in SAFETY_HOOKS if name not in present]
    cfg.custom_hooks = hooks
    return cfg
