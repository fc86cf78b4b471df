"""The xView2 UNet decoder (1st-place solution) as an mmseg decode head, single or siamese."""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn


class ConvReLU(nn.Sequential):
    """3x3 convolution (with bias) + ReLU, no normalisation."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU(inplace=True))


class UNetDecoderBlock(nn.Module):
    """Nearest upsample to the skip's size -> ``up_conv`` -> concat skip -> ``fuse_conv``."""

    def __init__(self, in_channels: int, skip_channels: int, out_channels: int) -> None:
        super().__init__()
        self.up_conv = ConvReLU(in_channels, out_channels)
        self.fuse_conv = ConvReLU(out_channels + skip_channels, out_channels)

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        x = self.up_conv(F.interpolate(x, size=skip.shape[2:], mode='nearest'))
        return self.fuse_conv(torch.cat([x, skip], dim=1))


@MODELS.register_module()
class XView2UNetHead(BaseDecodeHead):
    """UNet decoder of the xView2 1st-place models, with the 1st-place code's layout.

    With encoder taps ``e1..e5`` (strides 2..32, ``in_channels``) and
    ``decoder_channels = [d1, d2, d3, d4, d5]`` (shallow to deep; teacher ``[32, 48, 64, 128,
    256]``, the KD student ``[16, 24, 32, 64, 128]``)::

        dec6  = ConvReLU(cat(ConvReLU_{e5->d5}(up2(e5)), e4))          blocks[0]  stride 16, d5
        dec7  = ConvReLU(cat(ConvReLU_{d5->d4}(up2(dec6)), e3))        blocks[1]  stride 8,  d4
        dec8  = ConvReLU(cat(ConvReLU_{d4->d3}(up2(dec7)), e2))        blocks[2]  stride 4,  d3
        dec9  = ConvReLU(cat(ConvReLU_{d3->d2}(up2(dec8)), e1))        blocks[3]  stride 2,  d2
        dec10 = ConvReLU_{d2->d1}(up2(dec9))                           final_conv stride 1,  d1
        out   = conv_seg(dec10)                                        1x1 conv

    ``ConvReLU`` is a 3x3 convolution with bias and ReLU, no BN; ``up2`` is nearest x2 (here:
    nearest to the skip's size, the same for inputs divisible by 32). ``dec10`` is at the input
    resolution and has no skip. ``d5`` is unused as a skip width: four decoder blocks plus the
    last upsample, nine 3x3 convolutions in all (the 1st-place code's conv6, conv6_2 ... conv9_2,
    conv10).

    Siamese use (``num_views=2``, the damage model): the head receives one feature tuple per
    view (``SiameseEncoderDecoder.extract_feat``), runs the same decoder (shared weights) on each,
    concatenates the ``dec10`` maps (``num_views * d1`` channels) and applies ``conv_seg``.

    Localisation: ``num_classes=2, out_channels=1, threshold=0.5`` gives one building logit;
    mmseg's ``EncoderDecoder`` then predicts ``sigmoid(logit) > threshold``. ``acc_seg`` is the
    accuracy of that thresholded map (mmseg's ``accuracy`` is meaningless on one channel).

    Initialisation as in the 1st-place code: Kaiming-normal (fan-in, ReLU gain) on every
    convolution, zero biases (``init_cfg``).

    Args:
        in_channels (Sequence[int]): Channels of the five encoder taps, shallow to deep.
        decoder_channels (Sequence[int]): ``[d1..d5]``, shallow to deep.
        num_views (int): Number of feature tuples the head receives (1: plain UNet; 2: siamese).
        dropout_ratio (float): Dropout before ``conv_seg``; the 1st-place code has none. Defaults to
        0.
        **kwargs: ``BaseDecodeHead`` arguments (``num_classes``, ``out_channels``,
            ``threshold``, ``loss_decode``, ``ignore_index``, ``align_corners``...).
            ``channels`` is set here to ``num_views * d1``; ``in_index`` defaults to the five taps.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 256, 512, 1024, 2048),
                 decoder_channels: Sequence[int] = (32, 48, 64, 128, 256),
                 num_views: int = 1,
                 dropout_ratio: float = 0.0,
                 init_cfg=dict(
                     type='Kaiming',
                     layer='Conv2d',
                     mode='fan_in',
                     nonlinearity='relu',
                     distribution='normal',
                     bias=0.),
                 **kwargs) -> None:
        in_channels = list(in_channels)
        decoder_channels = list(decoder_channels)
        if len(in_channels) != 5 or len(decoder_channels) != 5:
            raise ValueError('XView2UNetHead needs five encoder taps and five decoder widths, '
                             f'got in_channels={in_channels}, decoder_channels={decoder_channels}')
        if 'channels' in kwargs:
            raise ValueError('XView2UNetHead sets channels itself (num_views * decoder_channels'
                             '[0]); do not pass it')
        if num_views < 1:
            raise ValueError(f'num_views must be >= 1, got {num_views}')
        kwargs.setdefault('in_index', [0, 1, 2, 3, 4])
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(
            in_channels=in_channels,
            channels=num_views * decoder_channels[0],
            dropout_ratio=dropout_ratio,
            init_cfg=init_cfg,
            **kwargs)
        self.decoder_channels = decoder_channels
        self.num_views = num_views
        blocks = []
        in_ch = in_channels[4]
        for level in (3, 2, 1, 0):  # skips e4, e3, e2, e1; widths d5, d4, d3, d2
            blocks.append(UNetDecoderBlock(in_ch, in_channels[level], decoder_channels[level + 1]))
            in_ch = decoder_channels[level + 1]
        self.blocks = nn.ModuleList(blocks)
        self.final_conv = ConvReLU(decoder_channels[1], decoder_channels[0])

    def decode_view(self, feats: Sequence[Tensor]) -> Tensor:
        """``dec10`` (``d1`` channels, 2x the stem's size) of one view's five encoder taps."""
        feats = self._transform_inputs(feats)
        x = feats[4]
        for block, skip in zip(self.blocks, (feats[3], feats[2], feats[1], feats[0])):
            x = block(x, skip)
        return self.final_conv(F.interpolate(x, scale_factor=2, mode='nearest'))

    def forward_features(self, inputs) -> Tensor:
        """Last decoder features: ``dec10`` of each view, concatenated over the views."""
        if self.num_views == 1:
            return self.decode_view(inputs)
        if len(inputs) != self.num_views:
            raise ValueError(f'XView2UNetHead(num_views={self.num_views}) got {len(inputs)} '
                             'feature tuples')
        return torch.cat([self.decode_view(view) for view in inputs], dim=1)

    def forward(self, inputs) -> Tensor:
        """Logits at the input resolution (``out_channels`` channels)."""
        return self.cls_seg(self.forward_features(inputs))

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: SampleList) -> dict:
        """mmseg's losses; for one output channel ``acc_seg`` is the thresholded accuracy."""
        losses = super().loss_by_feat(seg_logits, batch_data_samples)
        if self.out_channels == 1:
            label = self._stack_batch_gt(batch_data_samples).squeeze(1)
            logits = F.interpolate(
                seg_logits, size=label.shape[1:], mode='bilinear',
                align_corners=self.align_corners)[:, 0]
            valid = label != self.ignore_index
            pred = (logits.sigmoid() > self.threshold).long()
            correct = (pred == label)[valid].float()
            acc = correct.mean() * 100 if correct.numel() else logits.new_tensor(0.)
            losses['acc_seg'] = acc.detach()
        return losses
