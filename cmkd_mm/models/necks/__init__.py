from .embedding_projection import EmbeddingProjection

__all__ = ['EmbeddingProjection']
