"""Edge detection module of CEKD's teacher (CDCM + CSAM, after PiDiNet)."""
from typing import Sequence

from mmseg.registry import MODELS
from torch import Tensor, nn


class CDCM(nn.Module):
    """Compact dilation convolution module: ``ReLU -> 1x1 conv -> sum of dilated 3x3 convs``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        dilations (Sequence[int]): Dilations of the parallel 3x3 convs (CEKD: 5, 7, 9, 11).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 dilations: Sequence[int] = (5, 7, 9, 11)) -> None:
        super().__init__()
        self.reduce = nn.Sequential(nn.ReLU(), nn.Conv2d(in_channels, out_channels, 1))
        nn.init.zeros_(self.reduce[1].bias)
        self.branches = nn.ModuleList(
            nn.Conv2d(out_channels, out_channels, 3, padding=d, dilation=d, bias=False)
            for d in dilations)

    def forward(self, x: Tensor) -> Tensor:
        x = self.reduce(x)
        return sum(branch(x) for branch in self.branches)


class CSAM(nn.Module):
    """Compact spatial attention: ``x * sigmoid(3x3 conv(1x1 conv(ReLU(x))))``, one map.

    Args:
        channels (int): Input (and output) channels.
        mid_channels (int): Channels between the two convs (CEKD: 4).
    """

    def __init__(self, channels: int, mid_channels: int = 4) -> None:
        super().__init__()
        self.attention = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, mid_channels, 1),
                                       nn.Conv2d(mid_channels, 1, 3, padding=1, bias=False),
                                       nn.Sigmoid())
        nn.init.zeros_(self.attention[1].bias)

    def forward(self, x: Tensor) -> Tensor:
        return x * self.attention(x)


@MODELS.register_module()
class EdgeModule(nn.Module):
    """Predict a one-channel edge map from a decoder feature (CEKD's ``ED``).

    ``1x1 conv + BN + ReLU -> CDCM -> CSAM -> 1x1 conv -> 1 channel``. The module returns the
    edge **logits**; the decoder adds ``sigmoid(logits)`` to the feature (broadcast over the
    channels) and the edge loss takes the logits (see ``AutoWeightedEdgeBCELoss``).

    Args:
        in_channels (int): Channels of the decoder feature (CEKD: 256, the 1/4 map).
        channels (int, optional): Width of CDCM and CSAM; default ``in_channels`` (as CEKD).
        dilations (Sequence[int]): CDCM dilations.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = None,
                 dilations: Sequence[int] = (5, 7, 9, 11)) -> None:
        super().__init__()
        channels = channels or in_channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 1), nn.BatchNorm2d(in_channels), nn.ReLU())
        self.cdcm = CDCM(in_channels, channels, dilations)
        self.csam = CSAM(channels)
        self.classifier = nn.Conv2d(channels, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Return the edge logits ``(N, 1, H, W)``."""
        return self.classifier(self.csam(self.cdcm(self.stem(x))))
