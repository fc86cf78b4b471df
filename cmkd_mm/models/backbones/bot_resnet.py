"""ResNet whose last stage is a BoTNet self-attention stage, optionally returning the stem."""
from typing import Optional, Tuple

from mmseg.models.backbones import ResNet
from mmseg.registry import MODELS
from torch import Tensor

from ..layers import BoTBlock, make_bot_stack


@MODELS.register_module()
class BoTResNet(ResNet):
    """mmseg's ``ResNet`` with ``layer4`` replaced by a BoTNet stage (CEKD's encoders).

    Everything else (stem, stages 1-3, ``init_cfg``/``pretrained``, ``frozen_stages``,
    ``norm_eval``) is mmseg's ``ResNet``, whose parameter names match torchvision's, so
    ``init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')`` loads ImageNet
    weights into stages 1-3 (layer4 stays random, as in CEKD: the BoTNet stage is trained from
    scratch).

    Args:
        bot_cfg (dict, optional): BoTNet stage options (``fmap_size``: the ``(h, w)`` of the
            stage input at the training size, CEKD ``(30, 40)`` for 480x640; ``num_blocks=3``,
            ``heads=4``, ``dim_head`` (default ``out_channels // heads``), ``proj_factor=4``,
            ``downsample=True``). None keeps mmseg's convolutional layer4.
        out_stem (bool): Also return the stem output (after conv1/BN/ReLU, before the max-pool,
            stride 2) as the first output. CEKD's decoder uses it as its 1/2 skip.
        **kwargs: mmseg ``ResNet`` arguments (``depth``, ``in_channels``, ``out_indices``...).
    """

    def __init__(self, bot_cfg: Optional[dict] = None, out_stem: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.out_stem = out_stem
        if bot_cfg is not None:
            if self.num_stages != 4:
                raise ValueError('BoTResNet: bot_cfg replaces layer4, so num_stages must be 4')
            if self.strides[3] != 2 or self.dilations[3] != 1:
                raise ValueError('BoTResNet: the BoTNet stage downsamples by 2 without '
                                 'dilation; use strides[3]=2 and dilations[3]=1')
            in_channels = self.base_channels * 2**2 * self.block.expansion
            out_channels = in_channels * 2
            self.layer4 = make_bot_stack(in_channels, out_channels, **bot_cfg)

    def init_weights(self) -> None:
        """mmseg's ResNet init, then every BoTNet block's last BN weight back to zero."""
        super().init_weights()
        for m in self.modules():
            if isinstance(m, BoTBlock):
                m.init_weights()

    def forward_stem(self, x: Tensor) -> Tensor:
        """Stem up to (not including) the max-pool, stride 2."""
        if self.deep_stem:
            return self.stem(x)
        return self.relu(self.norm1(self.conv1(x)))

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Return the stage outputs of ``out_indices`` (and the stem first with ``out_stem``)."""
        stem = self.forward_stem(x)
        x = self.maxpool(stem)
        outs = [stem] if self.out_stem else []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
