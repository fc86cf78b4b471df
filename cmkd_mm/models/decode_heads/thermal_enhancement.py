"""Thermal enhancement module of the CEKD student (EKNet): ``M = T ** w``."""
import math
from typing import List, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor, nn


def _conv_bn_relu(in_channels: int, out_channels: int) -> List[nn.Module]:
    """3x3 stride-2 conv + BN + ReLU."""
    return [
        nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True)
    ]


@MODELS.register_module()
class ThermalEnhancementModule(BaseModule):
    """Predict one exponent ``w`` per image and return ``M = T ** w`` at every decoder scale.

    Weight head (``expWeightV2`` of CEKD): ``MaxPool(4) - conv3x3 s2 + BN + ReLU - MaxPool(2) -
    conv3x3 s2 + BN + ReLU - last pool - flatten - FC(-> fc_channels) + BN1d + ReLU - FC(-> 1)``,
    then ``w = fc + enlightening``. For a 480x640 image the last pool is ``MaxPool(2,
    padding=(1, 0))`` and the flatten size is 8 * 10 = 80, as in CEKD (``pool_size=None``). With
    ``pool_size`` the last pool is an adaptive max-pool to that grid, so any input size works.

    Choices not in CEKD:

    - ``w`` is clamped to ``min_weight`` (> 0); CEKD leaves ``fc + 2`` unbounded.
    - The data preprocessor may have normalised the thermal channel, so ``T`` is recovered as
      ``(x * std + mean) / max_value`` and clamped to [0, 1]. The defaults (0, 1, 1) assume the
      input is already in [0, 1], as in CEKD (image / 255, no mean/std). With mmseg's usual
      ``mean=m, std=s`` on 0-255 pixels use ``mean=m, std=s, max_value=255``.
    - ``M`` is resized with nearest interpolation to ``ceil(H / s) x ceil(W / s)`` (the ResNet
      feature size) for every ``s`` in ``scales``, or to the given ``sizes``.

    Args:
        in_channels (int): Channels of the weight head input (1 for thermal).
        thermal_channel (int): Channel of the input that holds the thermal image.
        enlightening (float): Offset added to the predicted exponent (CEKD: 2).
        min_weight (float): Lower bound of ``w``.
        fc_channels (int): Hidden units of the FC layer.
        pool_size (tuple[int, int], optional): Adaptive grid of the last pool; None gives the
            fixed CEKD head for 480x640 inputs.
        mean (float): Mean that the data preprocessor subtracted from the thermal channel.
        std (float): Std that the data preprocessor divided the thermal channel by.
        max_value (float): Value of a white pixel after undoing mean/std (1 or 255).
        scales (Sequence[int]): Downsampling factors, finest first (CEKD: 2, 4, 8, 16, 32).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 1,
                 thermal_channel: int = -1,
                 enlightening: float = 2.0,
                 min_weight: float = 0.1,
                 fc_channels: int = 20,
                 pool_size: Optional[Tuple[int, int]] = None,
                 mean: float = 0.0,
                 std: float = 1.0,
                 max_value: float = 1.0,
                 scales: Sequence[int] = (2, 4, 8, 16, 32),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if min_weight <= 0:
            raise ValueError(f'min_weight must be > 0, got {min_weight}')
        self.thermal_channel = thermal_channel
        self.enlightening = enlightening
        self.min_weight = min_weight
        self.mean, self.std, self.max_value = mean, std, max_value
        self.scales = tuple(scales)
        if pool_size is None:
            last_pool = nn.MaxPool2d(2, padding=(1, 0))
            flatten_dim = 80
        else:
            last_pool = nn.AdaptiveMaxPool2d(tuple(pool_size))
            flatten_dim = pool_size[0] * pool_size[1]
        self.features = nn.Sequential(
            nn.MaxPool2d(4), *_conv_bn_relu(in_channels, 1), nn.MaxPool2d(2), *_conv_bn_relu(1, 1),
            last_pool)
        self.fc = nn.Sequential(
            nn.Linear(flatten_dim, fc_channels), nn.BatchNorm1d(fc_channels), nn.ReLU(inplace=True),
            nn.Linear(fc_channels, 1))

    def thermal(self, img: Tensor) -> Tensor:
        """Return the thermal channel of ``img`` in [0, 1], shape ``(N, 1, H, W)``."""
        t = img[:, [self.thermal_channel]]
        t = (t * self.std + self.mean) / self.max_value
        return t.clamp(0, 1)

    def predict_weight(self, t: Tensor) -> Tensor:
        """Return the exponent ``w`` of every image, shape ``(N,)``."""
        w = self.fc(self.features(t).flatten(1)).view(-1) + self.enlightening
        return w.clamp(min=self.min_weight)

    def forward(self,
                img: Tensor,
                sizes: Optional[Sequence[Tuple[int, int]]] = None) -> List[Tensor]:
        """Return ``M = T ** w`` resized to every scale, finest first.

        Args:
            img (Tensor): Input image ``(N, C, H, W)``; the thermal channel is used.
            sizes (Sequence[tuple[int, int]], optional): Output sizes; default from ``scales``.

        Returns:
            list[Tensor]: Maps ``(N, 1, h, w)`` with values in [0, 1].
        """
        t = self.thermal(img)
        w = self.predict_weight(t)
        mask = t.pow(w.view(-1, 1, 1, 1))
        if sizes is None:
            h, w_ = t.shape[-2:]
            sizes = [(math.ceil(h / s), math.ceil(w_ / s)) for s in self.scales]
        return [F.interpolate(mask, size=tuple(size), mode='nearest') for size in sizes]
