from .protogcn import ProtoGCN

__all__ = ['ProtoGCN']
