from .complexity import TensorForward, build_flops_model, default_shapes

__all__ = ['TensorForward', 'build_flops_model', 'default_shapes']
