from .epoch_seed import EpochSeedHook
from .nan_guard import NanGuardHook, TrainingDivergedError

__all__ = ['EpochSeedHook', 'NanGuardHook', 'TrainingDivergedError']
