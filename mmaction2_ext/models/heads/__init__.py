from .embedding_head import I3DEmbHead, load_class_vectors

__all__ = ['I3DEmbHead', 'load_class_vectors']
