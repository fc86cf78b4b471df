from .bottleneck_mhsa import (AbsolutePositionEmbedding2d, BoTBlock, MultiHeadSelfAttention2d,
                              make_bot_stack)
from .edge_module import CDCM, CSAM, EdgeModule

__all__ = [
    'AbsolutePositionEmbedding2d', 'BoTBlock', 'MultiHeadSelfAttention2d', 'make_bot_stack', 'CDCM',
    'CSAM', 'EdgeModule'
]
