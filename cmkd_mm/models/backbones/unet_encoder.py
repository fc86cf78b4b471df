"""mmpretrain ResNet / SE-ResNeXt encoders that also return the stem, for UNet decoders.

The xView2 UNets (1st-place solution, reused by the building-damage KD code) tap their encoder
five times::

    conv1 = stem conv 7x7/2 + BN + ReLU        stride 2    64 ch
    conv2 = max-pool + layer1                  stride 4    256 ch (ResNet-34: 64)
    conv3 = layer2                             stride 8    512 ch (128)
    conv4 = layer3                             stride 16   1024 ch (256)
    conv5 = layer4                             stride 32   2048 ch (512)

``UNetSEResNeXt`` / ``UNetResNet`` are mmpretrain's ``SEResNeXt`` / ``ResNet`` with the stem
output returned first, so the five taps come out as a tuple ``(stem, layer1, ..., layer4)``.
Module and parameter names are mmpretrain's (``conv1``, ``norm1``, ``layer1`` ... ``layer4``), so
an mmpretrain ImageNet checkpoint loads with
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` and distillation
recorders can target e.g. ``backbone.layer4`` (the xView2 KD code's feature ``f``).

Differences from the Cadene ``se_resnext50_32x4d`` the original xView2 code uses (same layer shapes
and the same 25,510,896 parameters without the classifier): mmpretrain's max-pool is ``3x3/2,
padding=1`` where Cadene's is ``3x3/2, ceil_mode=True`` (same output size for even inputs, one pixel
shift of the pooling window); ``pool_ceil_mode=True`` gives Cadene's pool, for the original code's
released weights (``tools/model_converters/xview2_to_cmkd.py`` converts their key names).
"""
from typing import Tuple

from mmpretrain.models.backbones import ResNet, SEResNeXt
from mmseg.registry import MODELS
from torch import Tensor, nn


class _StemTapMixin:
    """``forward`` returning ``(stem, *stage outputs of out_indices)``."""

    def use_ceil_mode_pool(self) -> None:
        """Cadene's max-pool: ``3x3/2`` without padding, ``ceil_mode=True``."""
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)

    def forward_stem(self, x: Tensor) -> Tensor:
        """Stem up to (not including) the max-pool: stride 2, ``stem_channels`` channels."""
        if self.deep_stem:
            return self.stem(x)
        return self.relu(self.norm1(self.conv1(x)))

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Return the stem output, then the outputs of the stages in ``out_indices``."""
        stem = self.forward_stem(x)
        x = self.maxpool(stem)
        outs = [stem]
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@MODELS.register_module()
class UNetResNet(_StemTapMixin, ResNet):
    """mmpretrain ``ResNet`` returning ``(stem, layer1, layer2, layer3, layer4)``.

    ResNet-34 (``depth=34``) gives the 1st-place xView2 code's ``Res34_Unet`` taps ``(64, 64, 128,
    256, 512)``. The default ``init_cfg`` is mmpretrain's random (Kaiming) init, no download.

    Args:
        pool_ceil_mode (bool): The original xView2 code's (torchvision's is the same as
            mmpretrain's) max-pool ``3x3/2, ceil_mode=True`` instead of ``padding=1``. Defaults to
            False.
        **kwargs: mmpretrain ``ResNet`` arguments (``depth``, ``in_channels``,
            ``stem_channels``, ``base_channels``, ``out_indices`` (default all four stages),
            ``norm_cfg``, ``norm_eval``, ``frozen_stages``, ``init_cfg``...).
    """

    def __init__(self,
                 depth: int,
                 out_indices=(0, 1, 2, 3),
                 pool_ceil_mode: bool = False,
                 **kwargs) -> None:
        super().__init__(depth=depth, out_indices=out_indices, **kwargs)
        if pool_ceil_mode:
            self.use_ceil_mode_pool()


@MODELS.register_module()
class UNetSEResNeXt(_StemTapMixin, SEResNeXt):
    """mmpretrain ``SEResNeXt`` returning ``(stem, layer1, layer2, layer3, layer4)``.

    ``depth=50, groups=32, width_per_group=4`` is SE-ResNeXt50 32x4d (taps
    ``(64, 256, 512, 1024, 2048)``, 25.5M parameters), the xView2 teacher's and student's
    encoder. The default ``init_cfg`` is mmpretrain's random (Kaiming) init, no download.

    Args:
        pool_ceil_mode (bool): Cadene's max-pool ``3x3/2, ceil_mode=True`` instead of
            ``padding=1``: set it for weights converted from the original code
            (``tools/model_converters/xview2_to_cmkd.py``), whose outputs then match exactly.
            Defaults to False.
        **kwargs: mmpretrain ``SEResNeXt`` arguments (``depth``, ``groups``,
            ``width_per_group``, ``se_ratio``, ``in_channels``, ``out_indices`` (default all four
            stages), ``norm_cfg``, ``norm_eval``, ``init_cfg``...).
    """

    def __init__(self,
                 depth: int,
                 out_indices=(0, 1, 2, 3),
                 pool_ceil_mode: bool = False,
                 **kwargs) -> None:
        super().__init__(depth=depth, out_indices=out_indices, **kwargs)
        if pool_ceil_mode:
            self.use_ceil_mode_pool()
