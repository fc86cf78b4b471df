"""Arm, place, check and persist the teacher-output cache of a distillation run."""
import hashlib
import json
import logging
import os.path as osp

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...datasets.pipeline_inspection import inner_dataset, random_for


@HOOKS.register_module()
class TeacherCacheHook(Hook):
    """Run a ``CrossModalDistill(teacher_cache=...)`` safely.

    Before training it:

    1. refuses a pipeline that changes a teacher modality at random in a way the cache key
       (dataset index, flip, flip direction, input shape) cannot describe, e.g. a random crop
       or colour jitter on a teacher modality, and batch augmentations of the data
       preprocessor, naming the transform and the fix;
    2. places the store in ``<work_dir>/teacher_cache/rank<r>`` (one per rank under DDP);
    3. computes a fingerprint of the teacher (its weights), the teacher view and its statistics,
       the recorders, the training pipeline and the stored dtype, and reuses a saved store only
       when the fingerprint is the same (after ``--resume``, or a new run of the same config);
       otherwise it starts empty.

    The store is saved with every checkpoint and at the end of training. Each epoch logs its hits
    and misses and the bytes stored per sample.

    Args:
        assume_deterministic (list[str]): Transform names to accept although they look random
            (e.g. a custom transform with a ``prob`` that never touches the teacher's input).
    """
    priority = 'VERY_HIGH'

    def __init__(self, assume_deterministic=()) -> None:
        self.assume_deterministic = tuple(assume_deterministic)
        self.fingerprint = None

    @staticmethod
    def algorithm(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def teacher_modalities(self, algorithm):
        views = algorithm.data_preprocessor.views
        return sorted({m for v in algorithm.teachers.views for m in views[v]})

    def check_pipeline(self, runner, algorithm) -> None:
        dataset = inner_dataset(runner.cfg.train_dataloader.dataset)
        modalities = self.teacher_modalities(algorithm)
        found = random_for(dataset.get('pipeline', []), modalities, self.assume_deterministic)
        if found:
            raise ValueError(
                f'teacher_cache: the training pipeline applies {", ".join(found)} at random to '
                f'the teacher\'s modalities {modalities}, so the teacher sees another input for '
                'the same sample each epoch and a cached output would be wrong. Remove it, apply '
                'it to the student\'s modalities only (ApplyToModalities), or train without '
                'teacher_cache (TeacherCacheHook(assume_deterministic=[...]) accepts a transform '
                'known not to change the teacher input)')
        base = getattr(algorithm.data_preprocessor, 'base', None)
        if getattr(base, 'batch_augments', None):
            raise ValueError('teacher_cache: the data preprocessor mixes batches '
                             '(batch_augments); the teacher input is then not a function of one '
                             'sample. Train without teacher_cache or without batch_augments')

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
        rank, _ = get_dist_info()
        cache.directory = osp.join(runner.work_dir, 'teacher_cache', f'rank{rank}')
        self.fingerprint = self.compute_fingerprint(runner, algorithm)
        if cache.load(self.fingerprint):
            print_log(
                f'teacher_cache: {len(cache)} samples reused from {cache.directory}',
                logger='current')
        else:
            cache.clear()
        cache.armed = True

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is not None and cache.armed:
            cache.save(self.fingerprint)

    def after_train_epoch(self, runner) -> None:
        cache = getattr(self.algorithm(runner), 'teacher_cache', None)
        if cache is None:
            return
        print_log(
            f'teacher_cache: {len(cache)} samples, {cache.hits} batches replayed, '
            f'{cache.misses} run, {cache.bytes_per_sample() / 2**20:.2f} MiB per sample',
            logger='current')
        runner.message_hub.update_scalar('train/teacher_cache_hits', cache.hits)

    def after_train(self, runner) -> None:
        self.before_save_checkpoint(runner, {})


__all__ = ['TeacherCacheHook']
