"""A bias-free linear projection of an embedding (the projection of CLIP's image encoder)."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class EmbeddingProjection(BaseModule):
    """Project an embedding with a matrix, ``out = x @ proj`` (no bias).

    This is the ``visual.proj`` step of OpenAI CLIP's image encoder (768 -> 512 for ViT-B/32),
    with the parameter named ``proj`` and laid out ``(in_channels, out_channels)`` like
    mmpretrain's ``CLIPProjection``, so checkpoints converted by mmpretrain's
    ``openai-clip_to_mmpretrain-clip.py`` load with ``prefix='visual_proj.'``. mmpretrain
    registers ``CLIPProjection`` only when its multimodal dependencies (``transformers``) are
    installed; this neck needs none. The initial ``proj`` is ``N(0, 1 / in_channels)``, CLIP's.

    Args:
        in_channels (int): Size of the input embedding.
        out_channels (int): Size of the projected embedding.
        init_cfg (dict, optional): Initialisation config, e.g. ``Pretrained``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.proj = nn.Parameter(in_channels**-0.5 * torch.randn(in_channels, out_channels))

    def forward(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> Tuple[torch.Tensor]:
        """Project the last feature of ``inputs`` (a backbone's tuple, or one tensor).

        Args:
            inputs (Tensor | Sequence[Tensor]): ``(N, in_channels)`` features.

        Returns:
            tuple[Tensor]: ``((N, out_channels), )``.
        """
        feats = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        return (feats @ self.proj, )
