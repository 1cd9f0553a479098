default_scope = 'mmaction'
# mmengine's Runner with checked checkpoint loading, a resume that falls back
# to the newest complete checkpoint, and warn-only --deterministic on CUDA
# (mmaction2_ext/engine/runner.py)
runner_type = 'SafeRunner'
# Registers every mmaction2_ext module and repairs the PyPI stack on import.
custom_imports = dict(imports=['mmaction2_ext'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keeps the best and the latest checkpoint only (max_keep_ckpts=-1 keeps
    # every one); CheckpointHook with kill-safe saves and rotation
    # (mmaction2_ext/engine/hooks/checkpoint.py)
    checkpoint=dict(type='SafeCheckpointHook', interval=1, save_best='auto',
                    max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

# The toolbox's safety hooks (mmaction2_ext/engine/safety.py); tools/train.py
# and tools/test.py add any of them that a config's custom_hooks lack (as the
# HAAN configs' own list does). NanGuardHook stops at
# a NaN/Inf loss before it reaches a checkpoint; EpochSeedHook (with
# --deterministic) seeds each epoch from (seed, epoch) so --resume reproduces
# the uninterrupted run; LabelRangeHook and HiddenLabelsHook check the labels
# against the head; ProgressIntervalHook caps logger.interval at a tenth of
# each loader, so every train/val/test phase logs progress (and says when a
# run ends before its first validation). TrainingStateHook carries the
# memories kept outside the state_dict through checkpoints. The log lists what
# the tools added; tools/analysis/print_config.py shows it. To opt out, set
# `safety_hooks = False` (the tools then add none) and a custom_hooks list
# without them.
custom_hooks = [
    dict(type='NanGuardHook'),
    dict(type='EpochSeedHook'),
    dict(type='LabelRangeHook'),
    dict(type='TrainingStateHook'),
    dict(type='HiddenLabelsHook'),
    dict(type='ProgressIntervalHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
