"""Encoder-decoder whose decode head also takes maps computed from the input image."""
from typing import List, Optional

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import SampleList, add_prefix
from torch import Tensor


@MODELS.register_module()
class EnhancedEncoderDecoder(EncoderDecoder):
    """mmseg ``EncoderDecoder`` plus an input enhancement module (CEKD's student EKNet).

    ``enhancement`` (e.g. :class:`ThermalEnhancementModule`) turns the input image into a list
    of maps, which the decode head receives as ``extra_maps`` in training, inference and
    ``mode='tensor'`` alike (``RTFDecoderHead`` adds them at its decoder scales). Everything
    else, auxiliary heads and slide/whole inference included, is mmseg's ``EncoderDecoder``.

    Args:
        enhancement (dict): Config of the module ``img -> list of maps``.
        **kwargs: ``EncoderDecoder`` arguments.
    """

    def __init__(self, enhancement: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.enhancement = MODELS.build(enhancement)

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Logits resized to the input size, for mmseg's inference."""
        x = self.extract_feat(inputs)
        return self.decode_head.predict(
            x, batch_img_metas, self.test_cfg, extra_maps=self.enhancement(inputs))

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Decode (and auxiliary) losses; the enhancement maps go to the decode head."""
        x = self.extract_feat(inputs)
        losses = dict()
        loss_decode = self.decode_head.loss(
            x, data_samples, self.train_cfg, extra_maps=self.enhancement(inputs))
        losses.update(add_prefix(loss_decode, 'decode'))
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        return losses

    def _forward(self, inputs: Tensor, data_samples: Optional[SampleList] = None) -> Tensor:
        """Raw decode-head logits (``mode='tensor'``)."""
        x = self.extract_feat(inputs)
        return self.decode_head.forward(x, self.enhancement(inputs))
