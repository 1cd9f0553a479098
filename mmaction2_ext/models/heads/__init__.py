from .protogcn_head import ProtoGCNHead

__all__ = ['ProtoGCNHead']
