"""Encoder-decoder that runs one shared encoder on each view of a channel-stacked input."""
from typing import List, Sequence, Tuple

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class SiameseEncoderDecoder(EncoderDecoder):
    """mmseg ``EncoderDecoder`` for the xView2 damage model (the 1st-place xView2 code's
    ``*_Unet_Double``).

    The input stacks the views on the channel axis, ``[pre(3), post(3)]`` for xView2 (the
    ``MultiModalDataPreprocessor`` view ``['pre', 'post']``). ``extract_feat`` splits it into
    ``split`` channel groups and runs the same ``backbone`` (and neck) on each group separately,
    returning one feature tuple per view. The decode head must take that list: with
    ``XView2UNetHead(num_views=2)`` the same decoder runs on each view, the two ``dec10`` maps are
    concatenated and a 1x1 convolution gives the 5 damage logits (0 background, 1-4 damage
    levels). Prediction is the argmax (mmseg's ``postprocess_result``).

    Everything else is mmseg's ``EncoderDecoder``: ``loss`` / ``predict`` / ``mode='tensor'``,
    whole and slide inference, ``test_step``.

    Distillation: module names are mmseg's (``backbone``, ``decode_head``,
    ``decode_head.conv_seg``...). The backbone runs once per view, in view order, so a recorder on
    a backbone module (e.g. ``backbone.layer4``) records the pre features first and the post
    features second (mmrazor ``data_idx=0`` / ``1``). :meth:`deepest_features` returns the same
    pair directly.

    Note:
        The original xView2 code runs the encoder twice (not once on a doubled batch), so in
        training each view's BatchNorm statistics are its own. The same is done here.

    Args:
        split (Sequence[int]): Channels of each view, in input order. Defaults to ``(3, 3)``.
        **kwargs: ``EncoderDecoder`` arguments. An auxiliary head is not supported (it would
            receive the per-view list).
    """

    def __init__(self, split: Sequence[int] = (3, 3), **kwargs) -> None:
        if kwargs.get('auxiliary_head') is not None:
            raise ValueError('SiameseEncoderDecoder does not support auxiliary heads')
        super().__init__(**kwargs)
        self.split = [int(c) for c in split]
        if len(self.split) < 2 or min(self.split) < 1:
            raise ValueError(f'split must give two or more positive channel counts, got {split}')

    def split_views(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """The input's views, ``split`` channels each."""
        if inputs.shape[1] != sum(self.split):
            raise ValueError(f'SiameseEncoderDecoder(split={self.split}) expects '
                             f'{sum(self.split)} input channels, got {inputs.shape[1]}')
        return torch.split(inputs, self.split, dim=1)

    def extract_feat(self, inputs: Tensor) -> List[Tuple[Tensor, ...]]:
        """One feature tuple per view, all from the same backbone (and neck)."""
        feats = []
        for view in self.split_views(inputs):
            x = self.backbone(view)
            if self.with_neck:
                x = self.neck(x)
            feats.append(x)
        return feats

    def deepest_features(self, inputs: Tensor) -> List[Tensor]:
        """The backbone's last output (``layer4``, stride 32) for each view: ``[pre, post]``.

        The xView2 KD code's feature distillation uses ``cat(f(pre), f(post))`` of these.
        """
        return [self.backbone(view)[-1] for view in self.split_views(inputs)]
