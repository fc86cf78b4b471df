"""What inference gives back per sample: the picture drawn on, and the prediction as the
downstream inferencer of the task writes it.

* detection (mmdet ``DetInferencer``): ``{'labels', 'scores', 'bboxes'}``, saved as
  ``<name>.json``;
* segmentation (mmseg ``MMSegInferencer``): the ``H x W`` label map, saved as ``<name>.png``
  (8-bit, 16-bit beyond 256 classes);
* classification (mmpretrain ``ImageClassificationInferencer``): ``{'pred_scores',
  'pred_label', 'pred_score', 'pred_class'}``, saved as ``<name>.json``.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import mmcv
import mmengine
import numpy as np
from mmengine.structures import BaseDataElement
from torch import nn

from ..datasets.transforms.loading import decode_image
from ..datasets.transforms.registration import warp_window
from ..engine.hooks.multimodal_det_visualization_hook import to_display
from ..engine.hooks.runner_visualizer_mixin import display_options

TASKS = ('detection', 'segmentation', 'classification')


def inference_task(model: nn.Module) -> str:
    """``'detection'``, ``'segmentation'`` or ``'classification'``: the downstream base class
    of the model (mmdet ``BaseDetector``, mmseg ``BaseSegmentor``, mmpretrain
    ``BaseClassifier``)."""
    from mmdet.models.detectors import BaseDetector
    from mmpretrain.models import BaseClassifier
    from mmseg.models.segmentors import BaseSegmentor
    for base, task in ((BaseDetector, 'detection'), (BaseSegmentor, 'segmentation'),
                       (BaseClassifier, 'classification')):
        if isinstance(model, base):
            return task
    raise TypeError(f'{type(model).__name__} is neither an mmdet detector, an mmseg segmentor '
                    'nor an mmpretrain classifier; no inferencer knows its predictions')


def display_image(path: str,
                  modality: str,
                  spec: Optional[dict],
                  data_sample: Optional[BaseDataElement] = None) -> np.ndarray:
    """The 8-bit RGB picture of a modality file that predictions are drawn on.

    It shows what the model reads of the file (``display_options`` of its ``LoadModalities``
    spec: the channels, at the bit depth), as the visualisation hooks do. With a data sample of
    a detector or segmentor, the picture is brought to the sample's ``ori_shape`` (the frame
    of the predictions), through the window ``RegisterModalities`` recorded when there is one.

    Args:
        path (str): The modality's file.
        modality (str): Its name.
        spec (dict, optional): Its ``LoadModalities`` spec.
        data_sample (BaseDataElement, optional): The prediction, for its frame.
    """
    img = to_display(decode_image(path), **display_options(spec))
    if data_sample is None or 'ori_shape' not in data_sample:
        return img
    ori_h, ori_w = data_sample.ori_shape[:2]
    window = ((data_sample.get('registration') or {}).get('windows') or {}).get(modality)
    if window is not None or img.shape[:2] != (ori_h, ori_w):
        img = warp_window(img, window, (ori_w, ori_h))
    return img


def prediction_dict(task: str,
                    data_sample: BaseDataElement,
                    classes: Optional[Sequence[str]] = None) -> dict:
    """The prediction of one sample as the downstream inferencer of ``task`` returns it.

    Args:
        task (str): One of :data:`TASKS`.
        data_sample (BaseDataElement): The model's prediction.
        classes (Sequence[str], optional): Class names (classification's ``pred_class``).
    """
    if task == 'detection':
        instances = data_sample.pred_instances.numpy()
        return dict(
            labels=instances.labels.tolist(),
            scores=instances.scores.tolist(),
            bboxes=instances.bboxes.tolist())
    if task == 'segmentation':
        return dict(sem_seg=data_sample.pred_sem_seg.numpy().data[0])
    scores = data_sample.pred_score.detach().cpu()
    label = int(scores.argmax())
    result = dict(
        pred_scores=scores.numpy().tolist(), pred_label=label, pred_score=float(scores[label]))
    if classes is not None:
        result['pred_class'] = classes[label]
    return result


def save_prediction(task: str, result: dict, folder: str, name: str) -> Dict[str, str]:
    """Write one prediction into ``folder`` as ``<name>.json`` (detection, classification) or
    ``<name>.png`` (segmentation label map).

    Args:
        task (str): One of :data:`TASKS`.
        result (dict): :func:`prediction_dict` of the sample.
        folder (str): Output folder (created).
        name (str): Sample name.

    Returns:
        dict: ``{'pred_path': file written}``.
    """
    mmengine.mkdir_or_exist(folder)
    if task == 'segmentation':
        label = result['sem_seg']
        dtype = np.uint8 if label.max(initial=0) < 256 else np.uint16
        path = osp.join(folder, f'{name}.png')
        mmcv.imwrite(label.astype(dtype), path)
    else:
        path = osp.join(folder, f'{name}.json')
        mmengine.dump(result, path)
    return dict(pred_path=path)
