from .launch import build_runner, load_config, run_cli, trust_checkpoints

__all__ = ['build_runner', 'load_config', 'run_cli', 'trust_checkpoints']
