"""Discriminator that tells teacher features from student features."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class FeatureDiscriminator(BaseModule):
    """Per-level feature discriminator: two 1x1 convs, then a two-layer MLP giving one logit.

    ``conv(in -> channels) - ReLU - [MaxPool2d(2)] - conv(channels -> 1) - ReLU - [MaxPool2d(2)]
    - pool/flatten - FC(-> fc_channels) - ReLU - Dropout - FC(-> 1)``.

    With ``pool_size`` (default) the map is adaptively average-pooled to a fixed grid, so any input
    size works. With ``pool_size=None`` the map is flattened as is and ``flatten_dim`` must match
    it: that is the fixed-resolution head of the Seeing Through Fog CMKD code (e.g. P5 of a 512x864
    input gives 16x27 = 432).

    Args:
        in_channels (int): Feature channels.
        channels (int): Hidden channels of the first conv.
        maxpool_after (tuple[bool, bool]): Max-pool after the first / second conv.
        pool_size (tuple[int, int], optional): Adaptive pooling grid before the MLP.
        flatten_dim (int, optional): MLP input size when ``pool_size`` is None.
        fc_channels (int): Hidden units of the MLP.
        dropout (float): Dropout probability in the MLP.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 128,
                 maxpool_after: Sequence[bool] = (False, False),
                 pool_size: Optional[Tuple[int, int]] = (8, 8),
                 flatten_dim: Optional[int] = None,
                 fc_channels: int = 108,
                 dropout: float = 0.5,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        layers = [nn.Conv2d(in_channels, channels, 1), nn.ReLU(inplace=True)]
        if maxpool_after[0]:
            layers.append(nn.MaxPool2d(2))
        layers += [nn.Conv2d(channels, 1, 1), nn.ReLU(inplace=True)]
        if maxpool_after[1]:
            layers.append(nn.MaxPool2d(2))
        if pool_size is not None:
            layers.append(nn.AdaptiveAvgPool2d(tuple(pool_size)))
            flatten_dim = pool_size[0] * pool_size[1]
        elif flatten_dim is None:
            raise ValueError('FeatureDiscriminator: give pool_size, or flatten_dim for the '
                             'fixed-resolution head')
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(flatten_dim, fc_channels), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(fc_channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sample, shape ``(N,)``."""
        x = self.features(x).flatten(1)
        return self.classifier(x).view(-1)
