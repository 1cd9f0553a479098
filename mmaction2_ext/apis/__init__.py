from .inference import (inference_features, inference_rgbpose,
                        inference_skeleton, init_model, named_detections,
                        top_predictions)
from .launch import build_runner, load_config, run_cli, trust_checkpoints

__all__ = [
    'build_runner', 'load_config', 'run_cli', 'trust_checkpoints',
    'init_model', 'inference_skeleton', 'inference_rgbpose',
    'inference_features', 'top_predictions', 'named_detections'
]
