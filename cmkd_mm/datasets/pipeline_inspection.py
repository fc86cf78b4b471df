"""Read a pipeline config without running it: its loading part, and label/resize order."""
import copy
from typing import List, Optional, Sequence

# Transforms that read files or check what was read; everything after the last of them
# (augmentation, resizing, packing) is not needed to validate data or to measure statistics.
LOADING = ('LoadModalities', 'LoadSegLabels', 'LoadAnnotations', 'CheckSegLabels',
           'GenerateEdgeLabels', 'LoadXView2Masks')
LABEL_LOADERS = ('LoadSegLabels', 'LoadAnnotations', 'LoadXView2Masks')


def transform_name(transform: dict) -> str:
    """The registered name of a transform config, without its scope (``mmseg.Resize`` ->
    ``Resize``)."""
    return str(transform.get('type', '')).split('.')[-1]


def loading_pipeline(pipeline: Sequence[dict]) -> List[dict]:
    """The pipeline up to (and with) its last loading or checking transform.

    Args:
        pipeline (Sequence[dict]): Transform configs.
    """
    names = [transform_name(t) for t in pipeline]
    last = max((i for i, n in enumerate(names) if n in LOADING), default=-1)
    return [copy.deepcopy(t) for t in pipeline[:last + 1]]


def inner_dataset(dataset_cfg: dict) -> dict:
    """The innermost dataset config below any dataset wrappers (the one with the pipeline)."""
    while isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def loading_only(dataset_cfg: dict) -> dict:
    """A copy of a dataset config (wrappers included) whose pipeline is its loading part.

    Args:
        dataset_cfg (dict): Dataset config, e.g. ``cfg.train_dataloader.dataset``.
    """
    cfg = copy.deepcopy(dataset_cfg)
    inner = inner_dataset(cfg)
    inner['pipeline'] = loading_pipeline(inner.get('pipeline', []))
    return cfg


def label_resized_before_eval(pipeline: Sequence[dict]) -> Optional[str]:
    """Why an evaluation pipeline would give label maps of another size than the predictions.

    Segmentation predictions come back at the original image size, so a val/test pipeline must
    load the label after any resizing (mmseg's order: load image, ``Resize``, load annotations).

    Args:
        pipeline (Sequence[dict]): Transform configs of a val or test dataset.

    Returns:
        str or None: The offending transforms, or None when the order is right.
    """
    names = [transform_name(t) for t in pipeline]
    labels = [i for i, n in enumerate(names) if n in LABEL_LOADERS]
    if not labels:
        return None
    resizes = [names[i] for i in range(labels[0] + 1, len(names))
               if 'Resize' in names[i] or 'Rescale' in names[i]]
    if not resizes:
        return None
    return f'{names[labels[0]]} comes before {", ".join(resizes)}'
