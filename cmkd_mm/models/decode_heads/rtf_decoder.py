"""RTFNet-style decoder of transposed-conv bottlenecks (CEKD CENet / EKNet decoder)."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor, nn


class TransBottleneck(nn.Module):
    """Bottleneck whose last conv may be a 2x transposed conv.

    ``1x1 conv (in -> out) - BN - ReLU - 3x3 conv - BN - ReLU - (2x2 s2 deconv | 3x3 conv) - BN``
    (RTFNet layout: the width is the output width), plus the shortcut (``2x2 s2 deconv + BN``
    when upsampling, identity otherwise), then ReLU.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        upsample (bool): Double the spatial size (and allow a channel change).
    """

    def __init__(self, in_channels: int, out_channels: int, upsample: bool = False) -> None:
        super().__init__()
        if not upsample and in_channels != out_channels:
            raise ValueError('TransBottleneck: channels can change only when upsampling')
        mid = out_channels
        if upsample:
            last = nn.ConvTranspose2d(mid, out_channels, 2, stride=2, bias=False)
            self.shortcut = nn.Sequential(
                nn.ConvTranspose2d(in_channels, out_channels, 2, stride=2, bias=False),
                nn.BatchNorm2d(out_channels))
        else:
            last = nn.Conv2d(mid, out_channels, 3, padding=1, bias=False)
            self.shortcut = nn.Identity()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
            nn.Conv2d(mid, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True), last, nn.BatchNorm2d(out_channels))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """Residual forward."""
        return self.relu(self.body(x) + self.shortcut(x))


def make_trans_layer(in_channels: int, out_channels: int, num_blocks: int = 2) -> nn.Sequential:
    """``num_blocks - 1`` plain bottlenecks, then one 2x upsampling bottleneck."""
    blocks = [TransBottleneck(in_channels, in_channels) for _ in range(num_blocks - 1)]
    blocks.append(TransBottleneck(in_channels, out_channels, upsample=True))
    return nn.Sequential(*blocks)


def _add_skip(x: Tensor, skip: Optional[Tensor]) -> Tensor:
    """``x + skip``; at odd input sizes ``x`` is first resized (bilinear) to the skip's size."""
    if skip is None:
        return x
    if skip.shape[-2:] != x.shape[-2:]:
        x = F.interpolate(x, size=skip.shape[-2:], mode='bilinear', align_corners=False)
    return x + skip


def _add_map(x: Tensor, extra: Optional[Tensor]) -> Tensor:
    """``x + extra`` (broadcast over channels), ``extra`` resized (nearest) to ``x`` if needed."""
    if extra is None:
        return x
    if extra.shape[-2:] != x.shape[-2:]:
        extra = F.interpolate(extra, size=x.shape[-2:], mode='nearest')
    return x + extra


@MODELS.register_module()
class RTFDecoderHead(BaseDecodeHead):
    """RTFNet decoder as used by CEKD, taking the ResNet stage outputs.

    With ResNet-50 inputs ``(stem 64 @1/2,) 256 @1/4, 512 @1/8, 1024 @1/16, 2048 @1/32``:
    ``deconv5: 2048 -> 1024 (+skip4)``, ``deconv4: -> 512 (+skip3)``, ``deconv3: -> 256
    (+skip2 = hint)``, ``deconv2: -> channels (+3x3 conv(stem))``, ``deconv1: -> num_classes`` at
    the input size. Each deconv layer is ``num_blocks`` TransBottlenecks, the last one upsampling
    2x. In general deconv i outputs the channels of the next finer skip, so a ResNet-18 pyramid
    gives ``512 -> 256 -> 128 -> 64 -> channels -> num_classes``.

    ``extra_maps`` (e.g. from :class:`ThermalEnhancementModule`, finest first, scales 1/2 ... 1/32)
    are added, broadcast over channels, as in EKNet: to skip5 before deconv5, after the skip sums
    at 1/16 and 1/8, to the hint at 1/4 (the hint itself is taken before) and after the stem skip
    at 1/2. The hint goes through ``self.hint_layer`` (an identity), so a recorder can read it as
    ``decode_head.hint_layer``.

    With ``edge_module`` (CEKD's teacher CENet) an edge map is predicted from the 1/4 map and
    ``sigmoid(edge)`` is added to it (broadcast over channels) before the hint, and ``loss``
    adds ``loss_edge`` between the edge logits and ``gt_edge_map`` of the data samples (give it
    with ``GenerateEdgeLabels`` in the training pipeline).

    Choices not in CEKD:

    - mmseg's ResNet does not return the stem, so ``in_channels`` may have 4 entries (no 1/2 skip
      is added then) or 5 (stem first).
    - When an upsampled map and its skip differ in size (input not a multiple of 32), the map is
      resized bilinearly to the skip; an extra map is resized (nearest) to the decoder map.
    - deconv1 gives the logits, so ``conv_seg``/dropout of mmseg are not used, and the default
      ``init_cfg`` is None (PyTorch default init).

    Args:
        in_channels (Sequence[int]): Channels of the inputs, finest first (4 or 5 entries).
        channels (int): Channels after deconv2 (CEKD: 128).
        num_blocks (int): TransBottlenecks per deconv layer (CEKD: 2).
        in_index (Sequence[int], optional): Inputs to use; default the first ``len(in_channels)``.
        edge_module (dict, optional): Edge module config, e.g. ``dict(type='EdgeModule')``
            (``in_channels`` is filled in). None: no edge branch (EKNet).
        loss_edge (dict): Edge loss config, used with ``edge_module``.
        init_cfg (dict, optional): Initialisation config.
        **kwargs: Other arguments of :class:`BaseDecodeHead` (``num_classes``, ``loss_decode``...).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 256, 512, 1024, 2048),
                 channels: int = 128,
                 num_blocks: int = 2,
                 in_index: Optional[Sequence[int]] = None,
                 edge_module: Optional[dict] = None,
                 loss_edge: dict = dict(type='AutoWeightedEdgeBCELoss'),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        in_channels = list(in_channels)
        if len(in_channels) not in (4, 5):
            raise ValueError(f'RTFDecoderHead needs 4 or 5 inputs, got {len(in_channels)}')
        if in_index is None:
            in_index = list(range(len(in_channels)))
        super().__init__(
            in_channels,
            channels,
            in_index=list(in_index),
            input_transform='multiple_select',
            init_cfg=init_cfg,
            **kwargs)
        del self.conv_seg
        self.has_stem = len(in_channels) == 5
        c = in_channels[-4:]  # 1/4, 1/8, 1/16, 1/32
        self.deconv5 = make_trans_layer(c[3], c[2], num_blocks)
        self.deconv4 = make_trans_layer(c[2], c[1], num_blocks)
        self.deconv3 = make_trans_layer(c[1], c[0], num_blocks)
        self.deconv2 = make_trans_layer(c[0], channels, num_blocks)
        self.deconv1 = make_trans_layer(channels, self.out_channels, num_blocks)
        if self.has_stem:
            self.skip_transform = nn.Conv2d(in_channels[0], channels, 3, padding=1)
        self.hint_layer = nn.Identity()
        self.edge_module = None
        if edge_module is not None:
            self.edge_module = MODELS.build(dict(edge_module, in_channels=c[0]))
            self.loss_edge = MODELS.build(loss_edge)

    def forward(self,
                inputs: Sequence[Tensor],
                extra_maps: Optional[Sequence[Tensor]] = None) -> Tensor:
        """Decode the stage outputs into logits at twice the finest input size.

        Args:
            inputs (Sequence[Tensor]): Backbone outputs, finest first.
            extra_maps (Sequence[Tensor], optional): Five maps ``(N, 1, h, w)`` at 1/2, 1/4,
                1/8, 1/16 and 1/32, added at the matching decoder scales.

        Returns:
            Tensor: Logits ``(N, out_channels, H, W)``.
        """
        return self.forward_with_edge(inputs, extra_maps)[0]

    def forward_with_edge(
            self,
            inputs: Sequence[Tensor],
            extra_maps: Optional[Sequence[Tensor]] = None) -> Tuple[Tensor, Optional[Tensor]]:
        """Like :meth:`forward`, also returning the edge logits (None without edge module)."""
        feats = self._transform_inputs(inputs)
        stem = feats[0] if self.has_stem else None
        skip2, skip3, skip4, skip5 = feats[-4:]
        m = list(extra_maps) if extra_maps is not None else [None] * 5
        if len(m) != 5:
            raise ValueError(f'extra_maps needs 5 maps (1/2 ... 1/32), got {len(m)}')
        x = _add_map(skip5, m[4])
        x = _add_map(_add_skip(self.deconv5(x), skip4), m[3])
        x = _add_map(_add_skip(self.deconv4(x), skip3), m[2])
        x = _add_skip(self.deconv3(x), skip2)
        edge = None
        if self.edge_module is not None:
            edge = self.edge_module(x)
            x = x + edge.sigmoid()
        hint = self.hint_layer(x)
        x = self.deconv2(_add_map(hint, m[1]))
        if stem is not None:
            x = _add_skip(x, self.skip_transform(stem))
        x = _add_map(x, m[0])
        return self.deconv1(x), edge

    def edge_targets(self, edge: Tensor, batch_data_samples: SampleList) -> Tensor:
        """Stack the samples' ``gt_edge_map`` at the size of the edge logits ``edge``.

        The padding the data preprocessor added (``padding_size``) is removed, the map is
        resized (nearest) to the share of the logits that covers the image if its scale
        differs, and padded back with ``ignore_index`` of ``loss_edge``.
        """
        ignore = getattr(self.loss_edge, 'ignore_index', 255)
        height, width = edge.shape[-2:]
        targets = []
        for sample in batch_data_samples:
            if 'gt_edge_map' not in sample:
                raise KeyError('RTFDecoderHead with an edge module needs gt_edge_map: add '
                               "dict(type='GenerateEdgeLabels') after LoadAnnotations in the "
                               'training pipeline')
            gt = sample.gt_edge_map.data
            pad = sample.metainfo.get('padding_size', (0, 0, 0, 0))
            gt = gt[..., :gt.shape[-2] - pad[3], :gt.shape[-1] - pad[1]]
            img_h, img_w = sample.metainfo.get('img_shape', gt.shape[-2:])
            pad_h, pad_w = img_h + pad[3], img_w + pad[1]  # the padded input size
            size = (min(height,
                        round(img_h * height / pad_h)), min(width, round(img_w * width / pad_w)))
            if tuple(gt.shape[-2:]) != size:
                gt = F.interpolate(gt[None].float(), size=size, mode='nearest')[0]
            gt = F.pad(gt.long(), (0, width - size[1], 0, height - size[0]), value=ignore)
            targets.append(gt[0])
        return torch.stack(targets).to(edge.device)

    def loss(self,
             inputs: Tuple[Tensor],
             batch_data_samples: SampleList,
             train_cfg: ConfigType,
             extra_maps: Optional[List[Tensor]] = None) -> dict:
        """Forward (with optional ``extra_maps``) and compute the mmseg decode losses.

        With an edge module the edge loss is added as ``loss_edge.loss_name``.
        """
        seg_logits, edge = self.forward_with_edge(inputs, extra_maps)
        losses = self.loss_by_feat(seg_logits, batch_data_samples)
        if edge is not None:
            target = self.edge_targets(edge, batch_data_samples)
            losses[self.loss_edge.loss_name] = self.loss_edge(edge, target)
        return losses

    def predict(self,
                inputs: Tuple[Tensor],
                batch_img_metas: List[dict],
                test_cfg: ConfigType,
                extra_maps: Optional[List[Tensor]] = None) -> Tensor:
        """Forward (with optional ``extra_maps``) and resize the logits to the input shape."""
        seg_logits = self.forward(inputs, extra_maps)
        return self.predict_by_feat(seg_logits, batch_img_metas)
