from .embedding_head import I3DEmbHead, load_class_vectors
from .protogcn_head import ProtoGCNHead

__all__ = ['I3DEmbHead', 'ProtoGCNHead', 'load_class_vectors']
