"""A linear classification head that also keeps the raw logits (and features) of a prediction."""
from typing import List, Optional, Tuple

import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class LogitClsHead(LinearClsHead):
    """mmpretrain's ``LinearClsHead`` whose predictions also carry the raw logits.

    mmpretrain heads store only the softmax ``pred_score``. Logit-based out-of-distribution
    scores (the energy ``T * logsumexp(logits / T)``, the maximum logit) need the logits
    themselves, so ``predict`` also stores them in every data sample under ``pred_logits``
    (``(num_classes, )``), the key ``MAVOCMetric`` reads. With ``store_feats=True`` the input of
    the linear layer (``(in_channels, )``, the embedding) is stored under ``pred_feats`` as well,
    e.g. to cluster test samples by their features. Training is unchanged.

    Args:
        store_feats (bool): Also store the embedding under ``pred_feats``. Defaults to True.
        **kwargs: ``LinearClsHead`` arguments (``num_classes``, ``in_channels``, ``loss``,
            ``topk``, ...).
    """

    def __init__(self, store_feats: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store_feats = store_feats

    def predict(self,
                feats: Tuple[torch.Tensor],
                data_samples: Optional[List[Optional[DataSample]]] = None) -> List[DataSample]:
        """Predict, keeping ``pred_score``/``pred_label`` and adding ``pred_logits``.

        Args:
            feats (tuple[Tensor]): Neck (or backbone) outputs; the last one is classified.
            data_samples (list[DataSample | None], optional): Samples to fill in.

        Returns:
            list[DataSample]: The samples with ``pred_score``, ``pred_label``, ``pred_logits``
            and, with ``store_feats``, ``pred_feats``.
        """
        pre_logits = self.pre_logits(feats)
        cls_score = self.fc(pre_logits)
        predictions = self._get_predictions(cls_score, data_samples)
        for sample, logits, feat in zip(predictions, cls_score.detach(), pre_logits.detach()):
            sample.set_field(logits, 'pred_logits')
            if self.store_feats:
                sample.set_field(feat.flatten(), 'pred_feats')
        return predictions
