"""Distributed runs without CUDA (docs/compat.md).

mmengine's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally and the
Runner passes ``device_ids=[local_rank]`` to DDP; both fail on CPU. When CUDA
is absent we open a gloo process group ourselves (the Runner then skips its own
``init_dist``) and let DDP wrap a CPU module. On CUDA nothing changes.
"""
import datetime
import os

import torch
import torch.distributed as dist
from mmengine.config import Config


def _slurm_to_env() -> None:
    """Fill torch's env:// variables from Slurm's, as mmengine does on CUDA."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        import subprocess
        nodes = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {nodes} | head -n1')


def setup_cpu_distributed(cfg: Config) -> None:
    """Prepare ``cfg`` and the process group for a CPU (gloo) launch.

    Does nothing for ``launcher='none'``, on CUDA machines, or when a process
    group already exists.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available() or dist.is_initialized():
        return
    if launcher == 'slurm':
        _slurm_to_env()
    elif launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} needs CUDA; use pytorch or '
                         'slurm on CPU')
    timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
    dist.init_process_group('gloo', init_method='env://',
                            timeout=datetime.timedelta(seconds=timeout))
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None  # CPU modules take no device ids
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed(barrier: bool = True) -> None:
    """Destroy the process group so gloo ranks exit cleanly (rc 0)."""
    if dist.is_available() and dist.is_initialized():
        if barrier:
            dist.barrier()
        dist.destroy_process_group()
