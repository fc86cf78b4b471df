"""Read a pipeline config without running it: its loading part, label/resize order and what
changes at random.

A transform says what it does with files in class attributes, read here from the class its
config builds (looked up in ``TRANSFORMS`` under the current default scope, as building does):

* ``loads`` (tuple of str): what it reads from disk: ``'images'``, ``'labels'`` (what an
  evaluation compares predictions with) or another kind of file (e.g. ``'edges'``);
* ``checks`` (tuple of str): what it checks of the data loaded before it (e.g. ``'labels'``);
* ``random_draws`` (:class:`~cmkd_mm.datasets.transforms.randomness.RandomDraws`): what it
  draws at random, which decides whether the teacher-output cache accepts it
  (:func:`random_for`).

Of a transform that does not say, a subclass of mmcv's ``LoadAnnotations`` (as mmdet's and
mmseg's are) loads labels and a subclass of mmcv's ``LoadImageFromFile`` loads images.
"""
import copy
from typing import List, Optional, Sequence, Tuple

from mmcv.transforms import LoadAnnotations, LoadImageFromFile
from mmengine.registry import TRANSFORMS

from .transforms.randomness import RandomDraws, call_arguments


def transform_name(transform: dict) -> str:
    """The registered name of a transform config, without its scope (``mmseg.Resize`` ->
    ``Resize``)."""
    return str(transform.get('type', '')).split('.')[-1]


def transform_class(transform: dict) -> Optional[type]:
    """The class a transform config builds, or None when no registered class has its name.

    Args:
        transform (dict): Transform config.
    """
    kind = transform.get('type')
    if isinstance(kind, type):
        return kind
    with TRANSFORMS.switch_scope_and_registry(None) as registry:
        try:
            found = registry.get(str(kind))
        except Exception:  # an unknown scope or name
            return None
    return found if isinstance(found, type) else None


def _declared(cls: Optional[type], attribute: str) -> Optional[Tuple[str, ...]]:
    value = getattr(cls, attribute, None)
    return tuple(value) if isinstance(value, (tuple, list)) else None


def transform_loads(transform: dict) -> Tuple[str, ...]:
    """What a transform config reads from disk: its class's ``loads``, else what mmcv's loader
    it derives from loads (``('labels', )`` or ``('images', )``), else nothing.

    Args:
        transform (dict): Transform config.
    """
    cls = transform_class(transform)
    declared = _declared(cls, 'loads')
    if declared is not None:
        return declared
    if cls is not None and issubclass(cls, LoadAnnotations):
        return ('labels', )
    if cls is not None and issubclass(cls, LoadImageFromFile):
        return ('images', )
    return ()


def transform_checks(transform: dict) -> Tuple[str, ...]:
    """What a transform config checks of the data loaded before it (its class's ``checks``).

    Args:
        transform (dict): Transform config.
    """
    return _declared(transform_class(transform), 'checks') or ()


def loading_pipeline(pipeline: Sequence[dict]) -> List[dict]:
    """The pipeline up to (and with) its last transform that loads or checks data.

    Everything after it (augmentation, resizing, packing) is not needed to validate data or to
    measure statistics.

    Args:
        pipeline (Sequence[dict]): Transform configs.
    """
    last = max((i for i, t in enumerate(pipeline) if transform_loads(t) or transform_checks(t)),
               default=-1)
    return [copy.deepcopy(t) for t in pipeline[:last + 1]]


def inner_dataset(dataset_cfg: dict) -> dict:
    """The innermost dataset config below any dataset wrappers (the one with the pipeline)."""
    while isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def config_test_pipeline(cfg, required: bool = True) -> List[dict]:
    """A copy of a config's test pipeline: its test dataset's (below any dataset wrapper), else
    its val dataset's, else its ``test_pipeline``.

    Args:
        cfg (Config): The config.
        required (bool): Raise when the config has none; else return an empty list.

    Raises:
        KeyError: ``required`` and the config has no test or val dataset nor
            ``test_pipeline``.
    """
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader')
    if loader and loader.get('dataset'):
        return copy.deepcopy(list(inner_dataset(loader['dataset']).get('pipeline') or []))
    if cfg.get('test_pipeline') or not required:
        return copy.deepcopy(list(cfg.get('test_pipeline') or []))
    raise KeyError(f'{cfg.filename or "the config"}: no test_dataloader.dataset (nor val, nor '
                   'test_pipeline), so no test pipeline to run inference with')


def dataset_metainfo(cfg, splits: Sequence[str] = ('test', )) -> dict:
    """The metainfo (classes, palette...) of a config's dataset, without building it: the
    dataset class's ``METAINFO`` updated with the config's ``metainfo``, as the dataset would
    give it.

    Args:
        cfg (Config): The config (its ``default_scope`` finds the dataset class).
        splits (Sequence[str]): Splits to look at in order; the first whose dataloader has a
            dataset is read. Default: the test split.
    """
    from mmengine.registry import DATASETS
    loaders = (cfg.get(f'{split}_dataloader') or {} for split in splits)
    dataset = next((inner_dataset(d['dataset']) for d in loaders if d.get('dataset')), {})
    metainfo = copy.deepcopy(dataset.get('metainfo'))
    with DATASETS.switch_scope_and_registry(cfg.get('default_scope')) as registry:
        try:
            cls = registry.get(str(dataset.get('type')))
        except Exception:  # an unknown scope or type: the config's own metainfo only
            cls = None
    if cls is None or not hasattr(cls, '_load_metainfo'):
        return dict(metainfo or {})
    return dict(cls._load_metainfo(metainfo))


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
    labels = [i for i, t in enumerate(pipeline) if 'labels' in transform_loads(t)]
    if not labels:
        return None
    resizes = [
        names[i] for i in range(labels[0] + 1, len(names))
        if 'Resize' in names[i] or 'Rescale' in names[i]
    ]
    if not resizes:
        return None
    return f'{names[labels[0]]} comes before {", ".join(resizes)}'


# Random transforms whose draw the teacher-output cache key records (``flip``,
# ``flip_direction`` in the data sample), when they run on every modality.
KEYED_RANDOM = ('RandomFlip', 'MultiModalRandomFlip')
# What upstream transforms (mmcv, mmdet, mmseg, mmpretrain) that declare nothing draw, by name.
UPSTREAM_DRAWS = dict(
    RandomFlip=RandomDraws(prob='prob', choices=('direction', )),  # one direction: no draw
    RandomGrayscale=RandomDraws(prob='prob'),
    RandomRotate=RandomDraws(prob='prob', ranges=('degree', )))  # mmseg's
# Random transforms without "Random" in their name or a ``prob`` argument.
KNOWN_RANDOM = ('PhotoMetricDistortion', 'AutoAugment', 'RandAugment', 'ColorJitter', 'Albu',
                'Mixup', 'CutMix', 'MixUp', 'Mosaic', 'YOLOXHSVRandomAug', 'Cutout')


def transform_draws(transform: dict) -> RandomDraws:
    """What a transform config draws at random.

    In order: its class's ``random_draws`` (every random transform of cmkd_mm declares one);
    for an upstream transform that declares nothing, its entry in ``UPSTREAM_DRAWS``; else a
    transform with ``Random`` in its name, a known random augmentation (``KNOWN_RANDOM``) or a
    ``prob`` argument (given or by default) is taken to draw whenever it acts, so that only
    ``prob=0`` makes it deterministic (``prob=1`` may still draw an angle or a magnitude, as
    mmdet's ``Rotate`` does); anything else draws nothing.

    Args:
        transform (dict): Transform config.
    """
    cls = transform_class(transform)
    declared = getattr(cls, 'random_draws', None)
    if isinstance(declared, RandomDraws):
        return declared
    name = transform_name(transform)
    if name in UPSTREAM_DRAWS:
        return UPSTREAM_DRAWS[name]
    has_prob = 'prob' in call_arguments(cls, transform)
    if 'Random' in name or name in KNOWN_RANDOM or has_prob:
        return RandomDraws(prob='prob' if has_prob else None, always=True)
    return RandomDraws()


def is_random(transform: dict) -> bool:
    """Whether a transform config can change a sample differently from one call to the next
    (:func:`transform_draws` judged on its arguments, its class's defaults for the others).

    Args:
        transform (dict): Transform config.
    """
    args = call_arguments(transform_class(transform), transform)
    return transform_draws(transform).is_random(args)


def random_for(pipeline: Sequence[dict],
               modalities: Sequence[str],
               assume_deterministic: Sequence[str] = (),
               top_level: bool = True) -> List[str]:
    """Transforms that change one of ``modalities`` at random in a way the teacher-output cache
    key (dataset index, flip, flip direction) does not describe.

    A transform counts when :func:`is_random` says so, whatever its ``prob`` (``prob=1`` with
    a random angle is random; ``prob=0`` never acts); flips at the top level are left out (the
    key records them). ``ApplyToModalities`` blocks count only when they touch ``modalities``.

    Args:
        pipeline (Sequence[dict]): Transform configs of the training dataset.
        modalities (Sequence[str]): The modalities the teacher reads.
        assume_deterministic (Sequence[str]): Transform names to accept anyway.
        top_level (bool): Whether ``pipeline`` is the dataset's own (not a wrapped one).
    """
    found = []
    for transform in pipeline:
        name = transform_name(transform)
        if name in assume_deterministic:
            continue
        if name == 'ApplyToModalities':
            if set(transform.get('modalities', ())) & set(modalities):
                found += random_for(
                    transform.get('transforms', ()),
                    modalities,
                    assume_deterministic,
                    top_level=False)
            continue
        if name in KEYED_RANDOM and top_level:
            continue
        if is_random(transform):
            found.append(name)
    return found
