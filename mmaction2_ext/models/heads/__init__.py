from .embedding_head import I3DEmbHead, load_class_vectors
from .pcan_head import PCANHead
from .protogcn_head import ProtoGCNHead

__all__ = ['I3DEmbHead', 'PCANHead', 'ProtoGCNHead', 'load_class_vectors']
