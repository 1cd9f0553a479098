from .data_root import move_data_root
from .inference import (inference_features, inference_rgbpose,
                        inference_skeleton, init_model, named_detections,
                        top_predictions)
from .launch import (ConfigError, UsageError, build_runner, check_amp,
                     check_launcher, check_suffix, config_errors, load_config,
                     merge_options, prepare_work_dir, run_cli,
                     trust_checkpoints)
from .windows import inference_windows

__all__ = [
    'ConfigError', 'UsageError', 'build_runner', 'check_amp',
    'check_launcher', 'check_suffix', 'config_errors', 'load_config',
    'merge_options', 'prepare_work_dir', 'run_cli', 'trust_checkpoints',
    'init_model', 'inference_skeleton', 'inference_rgbpose',
    'inference_features', 'top_predictions', 'named_detections',
    'inference_windows', 'move_data_root'
]
