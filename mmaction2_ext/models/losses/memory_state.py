"""Memories that a training run keeps outside the model's state_dict.

Upstream keeps some memories as plain attributes, so they are not in the
official checkpoints and loading those checkpoints strictly must keep working.
A module holding such a memory answers ``training_state_dict()`` and
``load_training_state_dict(state)``; ``TrainingStateHook`` stores the answers
in the checkpoint beside the state_dict, so ``--resume`` continues with them.
"""
from typing import Dict, Tuple

import torch


class MemoryStateMixin:
    """For an ``nn.Module`` whose buffers named in ``memory_buffers`` are
    memories: the ones not in its state_dict make its training state."""

    memory_buffers: Tuple[str, ...] = ()

    def _memory_names(self) -> Tuple[str, ...]:
        saved = self.state_dict(keep_vars=True)
        return tuple(n for n in self.memory_buffers if n not in saved)

    def training_state_dict(self) -> Dict[str, torch.Tensor]:
        return {name: getattr(self, name).detach().cpu().clone()
                for name in self._memory_names()}

    @torch.no_grad()
    def load_training_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        """Raises ValueError when a memory is missing or of another shape."""
        for name in self._memory_names():
            if name not in state:
                raise ValueError(f'no {name}')
            memory, value = getattr(self, name), state[name]
            if memory.shape != value.shape:
                raise ValueError(f'{name} is {tuple(value.shape)}, the model '
                                 f'expects {tuple(memory.shape)}')
            memory.copy_(value)
