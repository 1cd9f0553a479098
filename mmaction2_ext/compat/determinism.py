"""``--deterministic`` that trains on CUDA (docs/compat.md).

mmengine's ``set_random_seed(deterministic=True)`` calls
``torch.use_deterministic_algorithms(True)``. On CUDA that stops the first
backward pass of every 3D CNN here (PoseC3D, SlowOnly, PCAN's RGBPoseConv3D):
``max_pool3d_with_indices_backward_cuda`` has no deterministic kernel and
strict mode raises (open-mmlab/mmaction2 discussion #2394), and every matmul
raises too unless ``CUBLAS_WORKSPACE_CONFIG`` was set before the first one.
So deterministic runs here use ``warn_only=True`` (every op with a
deterministic kernel uses it; the others warn once and stay as they are) and
get the cuBLAS setting PyTorch asks for. On the CPU nothing changes: its ops
are deterministic either way.

mmengine calls ``set_random_seed`` again when it resumes, so the wrapper sits
on the name the runner module calls, not on one runner.
"""
import functools
import os

import torch

# the smaller of the two settings PyTorch's reproducibility notes give
CUBLAS_SETTING = ':4096:8'


def deterministic_where_possible(set_random_seed):
    """``set_random_seed`` that, when deterministic, leaves PyTorch in
    warn-only deterministic mode with cuBLAS set up for it."""

    @functools.wraps(set_random_seed)
    def wrapper(*args, **kwargs):
        deterministic = kwargs.get('deterministic', False)
        if deterministic:
            # read by PyTorch at the first cuBLAS call, so before any
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', CUBLAS_SETTING)
        seed = set_random_seed(*args, **kwargs)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        return seed

    wrapper.deterministic_where_possible = True
    return wrapper


def install_warn_only_determinism() -> None:
    """Wrap the ``set_random_seed`` that mmengine's Runner calls (once)."""
    from mmengine.runner import runner
    if not getattr(runner.set_random_seed, 'deterministic_where_possible',
                   False):
        runner.set_random_seed = deterministic_where_possible(
            runner.set_random_seed)
