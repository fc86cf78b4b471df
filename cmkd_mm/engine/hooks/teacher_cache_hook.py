"""Arm, place, check and persist the teacher-output cache of a distillation run, and say
before training (from its config) whether a run can use it."""
import hashlib
import json
import logging
import os
import os.path as osp
import shutil
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.dist import all_reduce, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS, DefaultScope
from mmengine.runner import EpochBasedTrainLoop

from ...datasets.pipeline_inspection import inner_dataset, random_for
from ...models.algorithms.cross_modal_distill import teacher_cache_conflicts
from ...models.algorithms.teacher_cache import COUNTS
from ...utils.config import load_config, type_name

BATCH_MIXING = 'batch mixing (data preprocessor batch_augments)'


class CacheCheck(NamedTuple):
    """Whether the teacher-output cache can be used, and why not.

    Attributes:
        modalities (tuple[str]): The modalities the teachers read, sorted.
        transforms (tuple[str]): Training transforms that change one of ``modalities`` at random
            in a way the cache key does not describe (:func:`random_for`), in pipeline order.
        batch_mixing (bool): Whether the data preprocessor mixes batches (``batch_augments``).
        algorithm (tuple[str]): What ``CrossModalDistill`` itself refuses with
            ``teacher_cache`` (``teacher_trainable=True``, ``distill_deliveries``); filled by
            :func:`config_cache_check` only (a built algorithm has refused them already).
    """
    modalities: Tuple[str, ...]
    transforms: Tuple[str, ...]
    batch_mixing: bool
    algorithm: Tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Whether nothing stands in the cache's way."""
        return not (self.transforms or self.batch_mixing or self.algorithm)

    def reasons(self) -> List[str]:
        """Why the cache cannot be used, short: each transform once, the batch mixing and the
        algorithm's refusals (empty when it can)."""
        found = list(dict.fromkeys(self.transforms))
        return found + ([BATCH_MIXING] if self.batch_mixing else []) + list(self.algorithm)

    def error(self) -> Optional[str]:
        """The message ``TeacherCacheHook`` refuses the run with (None when it accepts it)."""
        if self.transforms:
            return (f'teacher_cache: the training pipeline applies {", ".join(self.transforms)} '
                    f'at random to the teacher\'s modalities {list(self.modalities)}, so the '
                    'teacher sees another input for the same sample each epoch and a cached '
                    'output would be wrong. Remove it, apply it to the student\'s modalities '
                    'only (ApplyToModalities), or train without teacher_cache '
                    '(TeacherCacheHook(assume_deterministic=[...]) accepts a transform known not '
                    'to change the teacher input)')
        if self.batch_mixing:
            return ('teacher_cache: the data preprocessor mixes batches (batch_augments); the '
                    'teacher input is then not a function of one sample. Train without '
                    'teacher_cache or without batch_augments')
        if self.algorithm:
            return (f'teacher_cache: CrossModalDistill refuses it with '
                    f'{", ".join(self.algorithm)}; turn one of them off')
        return None


def teacher_modalities(views: Dict[str, Union[str, Sequence[str]]],
                       teacher_views: Iterable[str]) -> List[str]:
    """The modalities the teachers read, sorted.

    Args:
        views (dict): The data preprocessor's ``view name -> modality name or list of names``.
        teacher_views (Iterable[str]): The views the teachers read.
    """
    found = set()
    for view in teacher_views:
        found.update([views[view]] if isinstance(views[view], str) else views[view])
    return sorted(found)


def check_cache(pipeline: Sequence[dict],
                modalities: Sequence[str],
                batch_augments=None,
                assume_deterministic: Sequence[str] = ()) -> CacheCheck:
    """What ``TeacherCacheHook`` checks before training: a training pipeline that changes a
    teacher modality at random, and batch mixing in the data preprocessor.

    Args:
        pipeline (Sequence[dict]): Transform configs of the (innermost) training dataset.
        modalities (Sequence[str]): The modalities the teachers read.
        batch_augments: The data preprocessor's batch augmentations (config or modules); any
            truthy value mixes batches.
        assume_deterministic (Sequence[str]): Transform names to accept anyway.
    """
    return CacheCheck(
        tuple(sorted(modalities)), tuple(random_for(pipeline, modalities, assume_deterministic)),
        bool(batch_augments))


def config_cache_check(cfg: Config) -> CacheCheck:
    """Whether a distillation config's run can use the teacher-output cache, without building
    anything: what ``TeacherCacheHook`` would refuse (:func:`check_cache` on the config's
    teacher modalities, training pipeline, batch augmentations and the hook's
    ``assume_deterministic`` when ``custom_hooks`` has one) and what ``CrossModalDistill``
    refuses with ``teacher_cache`` (``teacher_trainable=True``, ``distill_deliveries``).

    Args:
        cfg (Config): A loaded distillation config (:func:`~cmkd_mm.utils.config.load_config`).

    Raises:
        ValueError: The model's data preprocessor has no ``views`` or a teacher reads a view it
            does not have, naming the config and the key.
    """
    model, where = cfg.model, cfg.filename or 'config'
    preprocessor = model.get('data_preprocessor') or {}
    if 'views' not in preprocessor:
        raise ValueError(f'{where}: model.data_preprocessor has no "views"; the teacher-output '
                         'cache needs a MultiModalDataPreprocessor with a teacher view')
    default = model.get('teacher_view', 'teacher')
    if type_name(model.teacher) == 'TeacherGroup':
        views = [spec.get('view') or default for spec in model.teacher.teachers.values()]
    else:
        views = [default]
    missing = [v for v in views if v not in preprocessor.views]
    if missing:
        raise ValueError(f'{where}: the teacher reads view(s) {missing} that '
                         f'model.data_preprocessor.views ({list(preprocessor.views)}) lacks')
    hooks = [h for h in cfg.get('custom_hooks') or [] if type_name(h) == 'TeacherCacheHook']
    assume = hooks[-1].get('assume_deterministic', ()) if hooks else ()
    mixing = preprocessor.get('batch_augments') or \
        (preprocessor.get('base') or {}).get('batch_augments')
    pipeline = inner_dataset(cfg.train_dataloader.dataset).get('pipeline', [])
    # transforms are looked up in the registry of the scope the Runner trains in
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope') or 'mmengine'):
        check = check_cache(pipeline, teacher_modalities(preprocessor.views, views), mixing, assume)
    algorithm = teacher_cache_conflicts(
        bool(model.get('teacher_trainable')),
        bool((model.get('distiller') or {}).get('distill_deliveries')))
    return check._replace(algorithm=tuple(algorithm))


def enable_teacher_cache(cfg: Config, directory: Optional[str] = None) -> Config:
    """Turn the teacher-output cache on in a distillation config, in place: ``model.
    teacher_cache`` (kept when set) and a ``TeacherCacheHook`` added to the config's own
    ``custom_hooks`` (``tools/train.py --teacher-cache``, ``cache_teacher.py``).

    Args:
        cfg (Config): A loaded distillation config.
        directory (str, optional): Where the stores live (``teacher_cache.directory``); default
            ``<work_dir>/teacher_cache``.

    Raises:
        ValueError: The model is not a ``CrossModalDistill``.
    """
    if type_name(cfg.model) != 'CrossModalDistill':
        raise ValueError(f'{cfg.filename or "the config"}: the teacher-output cache is for '
                         f'CrossModalDistill configs, not model.type={cfg.model.get("type")!r}')
    if cfg.model.get('teacher_cache') is None:
        cfg.model.teacher_cache = dict()
    if directory:
        cfg.model.teacher_cache.directory = directory
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(type_name(h) == 'TeacherCacheHook' for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='TeacherCacheHook')]
    return cfg


def cache_table(configs: Sequence[str]) -> str:
    """A markdown table of distillation configs: the modalities the teacher reads, whether the
    teacher-output cache can be used and why not (:func:`config_cache_check`).

    Args:
        configs (Sequence[str]): Config files, shown as given.
    """
    lines = ['| config | teacher reads | cache | why not |', '| --- | --- | --- | --- |']
    for path in configs:
        check = config_cache_check(load_config(path))
        lines.append(f'| `{path}` | {", ".join(check.modalities)} | '
                     f'{"yes" if check.usable else "no"} | '
                     f'{", ".join(check.reasons()) or "-"} |')
    return '\n'.join(lines) + '\n'


@HOOKS.register_module()
class TeacherCacheHook(Hook):
    """Run a ``CrossModalDistill(teacher_cache=...)`` safely, with one store for every rank.

    Before training it:

    1. refuses a pipeline that changes a teacher modality at random in a way the cache key
       (dataset index, flip, flip direction, input shape) cannot describe, e.g. a random crop
       or colour jitter on a teacher modality, and batch augmentations of the data
       preprocessor, naming the transform and the fix;
    2. computes a fingerprint of the teacher (its weights), the teacher view and its statistics,
       the recorders, the training pipeline and the stored dtype;
    3. opens the store of that fingerprint, ``<directory>/<fingerprint[:16]>``, where
       ``directory`` is ``teacher_cache.directory`` or ``<work_dir>/teacher_cache``. Every rank
       (and every node on a shared file system) writes to and reads from this one store, so
       an entry is computed once; a resumed run, or a new run of the same teacher and pipeline,
       finds what was stored before. Under ``<work_dir>/teacher_cache`` the stores of other
       fingerprints (an earlier teacher) are deleted; a given ``directory`` is left as it is.

    Entries are on disk as soon as they are computed, so nothing is lost when a run stops. Each
    epoch logs the share of samples replayed over all ranks (runtime info
    ``teacher_cache_epoch_hit_rate``), the batches replayed, partly replayed and run, and the
    store's size; each iteration's share (this rank's batch) is the scalar
    ``train/teacher_cache_hit_rate`` that the logger prints with the losses.

    Args:
        assume_deterministic (list[str]): Transform names to accept although they look random
            (e.g. a custom transform with a ``prob`` that never touches the teacher's input).
    """
    # after every VERY_HIGH hook: the statistics ModalityStatsFromDataHook measures are part of
    # the fingerprint
    priority = 'HIGH'

    def __init__(self, assume_deterministic=()) -> None:
        self.assume_deterministic = tuple(assume_deterministic)
        self.fingerprint = None
        self.epoch_start = self.iter_start = None

    @staticmethod
    def algorithm(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def teacher_modalities(self, algorithm):
        return teacher_modalities(algorithm.data_preprocessor.views, algorithm.teachers.views)

    def check_pipeline(self, runner, algorithm) -> None:
        dataset = inner_dataset(runner.cfg.train_dataloader.dataset)
        if 'datasets' in dataset:
            raise ValueError('teacher_cache: the training set is a ConcatDataset; samples are '
                             'keyed by their index in their own dataset, so two samples would '
                             'share an entry. Train on one dataset (one annotation file listing '
                             'both) or without teacher_cache')
        base = getattr(algorithm.data_preprocessor, 'base', None)
        check = check_cache(
            dataset.get('pipeline', []), self.teacher_modalities(algorithm),
            getattr(base, 'batch_augments', None), self.assume_deterministic)
        if not check.usable:
            raise ValueError(check.error())

    def compute_fingerprint(self, runner, algorithm) -> str:
        digest = hashlib.sha256()
        for key, value in sorted(algorithm.teacher.state_dict().items()):
            digest.update(key.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        pre = algorithm.data_preprocessor
        for name in self.teacher_modalities(algorithm):
            for stat in ('mean', 'std'):
                digest.update(getattr(pre, f'{name}_{stat}').cpu().numpy().tobytes())
        recorders = {
            n: getattr(r, 'source', '')
            for n, r in algorithm.distiller.teacher_recorders.recorders.items()
        }
        dataset = inner_dataset(runner.cfg.train_dataloader.dataset)
        described = dict(
            views={v: pre.views[v]
                   for v in algorithm.teachers.views},
            recorders=recorders,
            pipeline=dataset.get('pipeline', []),
            dtype=str(algorithm.teacher_cache.dtype))
        digest.update(json.dumps(described, sort_keys=True, default=str).encode())
        return digest.hexdigest()

    def store_directory(self, runner, cache) -> str:
        """The store of this run's fingerprint (stale stores of the run's own directory are
        deleted by rank 0)."""
        root = cache.directory or osp.join(runner.work_dir, 'teacher_cache')
        name = self.fingerprint[:16]
        others = sorted(set(os.listdir(root)) - {name}) if osp.isdir(root) else []
        if others and get_dist_info()[0] == 0:
            if not cache.directory:
                for stale in others:
                    shutil.rmtree(osp.join(root, stale), ignore_errors=True)
                print_log(
                    f'teacher_cache: deleted the stores {others} of {root}: another teacher, '
                    'view statistics, recorders, training pipeline or dtype',
                    logger='current')
            elif not osp.isdir(osp.join(root, name)):
                print_log(
                    f'teacher_cache: {root} holds stores ({others}) but none of this run: '
                    'the teacher, its view statistics, recorders, training pipeline or dtype '
                    'differ from the run that filled it, so the teacher runs again',
                    logger='current',
                    level=logging.WARNING)
        return osp.join(root, name)

    def before_train(self, runner) -> None:
        algorithm = self.algorithm(runner)
        cache = getattr(algorithm, 'teacher_cache', None)
        if cache is None:
            print_log(
                'TeacherCacheHook: the model has no teacher_cache; nothing to do',
                logger='current',
                level=logging.WARNING)
            return
        self.check_pipeline(runner, algorithm)
        self.fingerprint = self.compute_fingerprint(runner, algorithm)
        directory = self.store_directory(runner, cache)
        found = cache.open(directory, get_dist_info()[0])
        print_log(
            f'teacher_cache: {found} samples already stored in {directory}'
            if found else f'teacher_cache: a new store in {directory}',
            logger='current')
        cache.armed = True

    def before_train_epoch(self, runner) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is not None:
            self.epoch_start = (dict(cache.counts), runner.iter)

    def after_train_epoch(self, runner) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is None:
            return
        start, first_iter = self.epoch_start or (dict.fromkeys(cache.counts, 0), 0)
        # an iteration-based loop has one "epoch": the whole run
        span = f'epoch {runner.epoch + 1}' if isinstance(runner.train_loop, EpochBasedTrainLoop) \
            else f'iterations {first_iter + 1}-{runner.iter}'
        counts = torch.tensor([cache.counts[k] - start[k] for k in COUNTS], dtype=torch.float64)
        all_reduce(counts)  # the epoch over every rank
        epoch = dict(zip(COUNTS, counts.long().tolist()))
        samples = epoch['samples_replayed'] + epoch['samples_run']
        rate = epoch['samples_replayed'] / samples if samples else 0.
        print_log(
            f'teacher_cache: {span}: {100 * rate:.1f} % of samples replayed '
            f'({epoch["samples_replayed"]} of {samples}); batches: {epoch["batches_replayed"]} '
            f'replayed, {epoch["batches_partial"]} partly, {epoch["batches_run"]} run; store: '
            f'{len(cache)} samples, {cache.bytes_per_sample() / 2**20:.2f} MiB per sample',
            logger='current')
        runner.message_hub.update_info('teacher_cache_epoch_hit_rate', rate)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is not None:
            self.iter_start = dict(cache.counts)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is None or self.iter_start is None:
            return
        replayed = cache.counts['samples_replayed'] - self.iter_start['samples_replayed']
        total = replayed + cache.counts['samples_run'] - self.iter_start['samples_run']
        if total:  # this rank's batch, averaged over the logging window by LoggerHook
            runner.message_hub.update_scalar('train/teacher_cache_hit_rate', replayed / total)

    def after_train(self, runner) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is not None:
            cache.close()


__all__ = [
    'TeacherCacheHook', 'CacheCheck', 'teacher_modalities', 'check_cache', 'config_cache_check',
    'cache_table', 'enable_teacher_cache'
]
