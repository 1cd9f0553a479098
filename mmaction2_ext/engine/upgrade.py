"""What ``tools/train.py``, ``tools/test.py`` and
``tools/analysis/print_config.py`` add to any config, so that a user's own
config (or one written for stock mmaction2) runs with the toolbox's safety:

- the safety hooks of :mod:`.safety` (``safety_hooks = False`` opts out);
- ``SafeCheckpointHook`` in place of a stock ``CheckpointHook`` (same
  arguments);
- ``runner_type = 'SafeRunner'`` where the config names mmengine's
  ``Runner`` or no runner type;
- ``persistent_workers = False`` for a loader with ``num_workers = 0``
  (PyTorch refuses the pair; e.g. ``--cfg-options
  train_dataloader.num_workers=0`` on a config with persistent workers).

The toolbox's own configs select all of these already (``_base_``), so for
them nothing changes. The tools log each change; ``print_config.py`` shows
the upgraded config and lists the changes.
"""
from typing import List

from mmengine.config import Config

from .safety import hook_name, add_safety_hooks

STOCK_CHECKPOINT_HOOK = 'CheckpointHook'
SAFE_CHECKPOINT_HOOK = 'SafeCheckpointHook'
STOCK_RUNNER = 'Runner'
SAFE_RUNNER = 'SafeRunner'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def upgrade_config(cfg: Config) -> List[str]:
    """Upgrade ``cfg`` in place; one line per change made."""
    notes = []
    before = {hook_name(h) for h in cfg.get('custom_hooks') or []}
    add_safety_hooks(cfg)
    added = [hook_name(h) for h in cfg.get('custom_hooks') or []
             if hook_name(h) not in before]
    if added:
        notes.append(f'custom_hooks: added {", ".join(added)} (the safety '
                     'hooks; safety_hooks = False opts out)')
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint is not None and \
            hook_name(checkpoint) == STOCK_CHECKPOINT_HOOK:
        checkpoint['type'] = SAFE_CHECKPOINT_HOOK
        notes.append(f'default_hooks.checkpoint: {STOCK_CHECKPOINT_HOOK} '
                     f'replaced by {SAFE_CHECKPOINT_HOOK} (kill-safe saves '
                     'and rotation, same arguments)')
    runner = cfg.get('runner_type', STOCK_RUNNER)
    if isinstance(runner, str) and runner.split('.')[-1] == STOCK_RUNNER:
        cfg.runner_type = SAFE_RUNNER
        notes.append(f'runner_type: {runner!r} replaced by {SAFE_RUNNER!r} '
                     '(checked checkpoint loading, resume fallback)')
    for key in LOADERS:
        loader = cfg.get(key)
        if loader and loader.get('persistent_workers') and \
                not loader.get('num_workers'):
            loader.persistent_workers = False
            notes.append(f'{key}.persistent_workers: turned off, as '
                         f'{key}.num_workers is 0 (no worker to keep)')
    return notes
