"""Is a loaded checkpoint usable, and does it fit the model?

mmengine takes any object as a checkpoint and loads it non-strictly, only
logging what did not match: a wrong file leaves the model at its init without
an error. Here a checkpoint must be a dict with a ``state_dict`` of tensors (or
a bare state dict, as mmengine accepts), and it is refused when a tensor has
another shape than the model's or when it holds fewer than 90 % of the model's
weights. The config key ``load_partial`` relaxes this: ``True`` loads anything
as mmengine does (``--load-partial``); a list of ``fnmatch`` patterns names the
keys a checkpoint may lack (e.g. modules a pretrained init does not cover)
or hold in another shape: such keys keep their init and are logged as
re-initialised (fine-tuning on another class count: the classifier).
Only ``state_dict`` is checked; other top-level keys are free.
"""
import fnmatch
import re
from dataclasses import dataclass, field
from typing import List, Mapping, Sequence, Union

import torch
from torch import nn

from .checkpoint import CheckpointError

MIN_FOUND = 0.9
SHOWN = 3  # keys quoted per list in a message
FIX = ('set load_partial=True in the config (tools/train.py, tools/test.py '
       '--load-partial) to load it anyway, as mmengine does')


def _first(items: Sequence) -> str:
    more = f' (+{len(items) - SHOWN} more)' if len(items) > SHOWN else ''
    return ', '.join(str(i) for i in items[:SHOWN]) + more


def _not_tensor(state: Mapping) -> list:
    return [k for k, v in state.items() if not isinstance(v, torch.Tensor)
            and not str(k).endswith('_extra_state')]


def checkpoint_state_dict(checkpoint, name: str) -> Mapping:
    """The ``state_dict`` of a loaded checkpoint, or the checkpoint itself
    when it is a bare state dict; raises :class:`CheckpointError` otherwise."""
    expected = 'not a checkpoint (expected a dict with a state_dict)'
    if isinstance(checkpoint, torch.Tensor):
        raise CheckpointError(f'{name}: a bare tensor of shape '
                              f'{tuple(checkpoint.shape)}, {expected}')
    if not isinstance(checkpoint, Mapping):
        raise CheckpointError(
            f'{name}: a {type(checkpoint).__name__}, {expected}')
    if 'state_dict' not in checkpoint:
        if not checkpoint or _not_tensor(checkpoint):
            raise CheckpointError(
                f'{name}: no state_dict and not a state dict itself '
                f'(top-level keys: {_first(list(checkpoint)) or "none"})')
        return checkpoint
    state = checkpoint['state_dict']
    if not isinstance(state, Mapping):
        raise CheckpointError(f'{name}: state_dict is a '
                              f'{type(state).__name__}, not a dict of tensors')
    bad = _not_tensor(state)
    if bad:
        raise CheckpointError(f'{name}: state_dict entry {bad[0]!r} is a '
                              f'{type(state[bad[0]]).__name__}, not a tensor')
    return state


def check_resumable(checkpoint: Mapping, name: str) -> None:
    """Refuse to resume from a file without mmengine's training state."""
    meta = checkpoint.get('meta')
    lacks = [f'meta.{k}' for k in ('epoch', 'iter')
             if not isinstance(meta, Mapping) or k not in meta]
    lacks += [k for k in ('message_hub', ) if k not in checkpoint]
    if lacks:
        raise CheckpointError(
            f'{name}: cannot resume from it, it has no training state '
            f'({", ".join(lacks)}); to start a new training from its '
            f'weights use --cfg-options load_from={name}')


@dataclass
class KeyFit:
    """How a state dict matches a model's (``num_batches_tracked`` aside)."""
    required: int = 0
    found: int = 0
    missing: List[str] = field(default_factory=list)
    optional_missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[str] = field(default_factory=list)
    reinitialised: List[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.missing or self.optional_missing or self.unexpected
                    or self.mismatched or self.reinitialised)

    @property
    def fits(self) -> bool:
        return not self.mismatched and self.found >= MIN_FOUND * self.required

    def describe(self) -> str:
        parts = [f'{self.found}/{self.required} of the model weights found']
        for what, keys in (('with another shape', self.mismatched),
                           ('missing', self.missing),
                           ('optional missing', self.optional_missing),
                           ('re-initialised (another shape, a load_partial '
                            'pattern)', self.reinitialised),
                           ('unexpected', self.unexpected)):
            if keys:
                parts.append(f'{len(keys)} {what}: {_first(keys)}')
        return '; '.join(parts)


def key_fit(model: nn.Module, state: Mapping,
            optional: Sequence[str] = ()) -> KeyFit:
    """Compare ``state`` with ``model.state_dict()``; keys matching an
    ``optional`` pattern may be missing."""
    target = {k: tuple(v.shape) for k, v in model.state_dict().items()
              if not k.endswith('num_batches_tracked')}
    fit = KeyFit(unexpected=[k for k in state if k not in target
                             and not k.endswith('num_batches_tracked')])
    for key, shape in target.items():
        is_optional = any(fnmatch.fnmatchcase(key, p) for p in optional)
        fit.required += not is_optional
        if key not in state:
            (fit.optional_missing if is_optional else fit.missing).append(key)
        elif tuple(state[key].shape) != shape:
            (fit.reinitialised if is_optional else fit.mismatched).append(
                f'{key} {tuple(state[key].shape)} vs model {shape}')
        else:
            fit.found += not is_optional
    return fit


def check_fit(model: nn.Module, state: Mapping, name: str,
              partial: Union[bool, Sequence[str]] = False, logger=None,
              revise_keys: Sequence = ((r'^module\.', ''), )) -> KeyFit:
    """Refuse ``state`` unless it fits ``model`` (see the module doc); log a
    summary when the fit is not exact."""
    for pattern, repl in revise_keys:
        state = {re.sub(pattern, repl, k): v for k, v in state.items()}
    optional = [] if isinstance(partial, bool) else \
        [partial] if isinstance(partial, str) else list(partial)
    fit = key_fit(model, state, optional)
    if partial is not True and not fit.fits:
        raise CheckpointError(
            f'{name} does not fit the model: {fit.describe()}. If this is the '
            f'right file, {FIX}')
    if not fit.exact and logger is not None:
        logger.warning(f'partial load of {name}: {fit.describe()} (missing '
                       'keys keep their init, other shapes are skipped)')
    if fit.reinitialised and logger is not None:
        logger.warning(f'{name}: re-initialised (not loaded): '
                       f'{", ".join(fit.reinitialised)}')
    return fit
