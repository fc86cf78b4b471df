"""Test-time augmentation that averages the logits and features as well as the scores."""
from typing import List

import torch
from mmpretrain.models.tta import AverageClsScoreTTA
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

AVERAGED_FIELDS = ('pred_logits', 'pred_feats')


@MODELS.register_module()
class AverageClsLogitsTTA(AverageClsScoreTTA):
    """mmpretrain's ``AverageClsScoreTTA`` that also averages ``pred_logits`` and ``pred_feats``.

    For the augmented copies of one sample (e.g. from ``TestTimeAug``):

    * ``pred_score``: the mean of the softmax scores (as ``AverageClsScoreTTA``);
    * ``pred_label``: the argmax of that mean (``AverageClsScoreTTA`` keeps the first copy's
      label, which metrics reading ``pred_label`` would use);
    * ``pred_logits`` and ``pred_feats`` (stored by ``LogitClsHead``), when present: their
      means, so logit-based OOD scores (energy, maximum logit) and feature clustering see the
      augmented prediction too.

    Args:
        module (dict | nn.Module): The tested classifier.
        data_preprocessor (dict | nn.Module, optional): See ``mmengine.model.BaseTTAModel``.
    """

    def _merge_single_sample(self, data_samples: List[DataSample]) -> DataSample:
        merged = super()._merge_single_sample(data_samples)
        merged.set_pred_label(merged.pred_score.argmax(dim=0, keepdim=True))
        for field in AVERAGED_FIELDS:
            if field in data_samples[0]:
                mean = torch.stack([sample.get(field) for sample in data_samples]).mean(0)
                merged.set_field(mean, field)
        return merged
