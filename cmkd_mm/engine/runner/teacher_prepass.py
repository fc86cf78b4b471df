"""The teacher-only pre-pass: fill a distillation run's teacher-output store before training,
so that its first epoch is replayed too.

:func:`cache_teacher` builds the run's Runner from its config (the same model, weights, work dir
and store as ``tools/train.py`` would), prepares the model as training does before its first
step (weights initialised, ``load_from`` / ``--resume`` loaded, the training-set statistics and
the store's checks of ``ModalityStatsFromDataHook`` and ``TeacherCacheHook``), then runs only the
frozen teacher over the training set, split over the ranks, and stores what its recorders read.
A flip in the pipeline is run both ways (once per direction it can draw), so every key training
can ask for is there. Samples already stored are skipped, so an interrupted pre-pass resumes.
"""
import copy
import logging
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.dist import barrier, broadcast, get_dist_info
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader

from ...datasets.pipeline_inspection import (KEYED_RANDOM, call_arguments, inner_dataset,
                                             transform_class, transform_name)
from ..hooks.teacher_cache_hook import enable_teacher_cache
from .checked_runner import build_runner

#: Hooks whose ``before_train`` prepares what the teacher's input or its store depend on.
PREPARING_HOOKS = ('ModalityStatsFromDataHook', 'TeacherCacheHook')
Flip = Tuple[bool, object]  # (flip, direction) as the cache key records it


def flip_variants(pipeline: Sequence[dict]) -> List[Tuple[Flip, List[dict]]]:
    """The training pipeline once per flip it can draw, each with its flip made certain.

    Args:
        pipeline (Sequence[dict]): The training dataset's transform configs.

    Returns:
        list: ``((flip, direction), pipeline)``: ``(False, None)`` when a sample can stay
        unflipped, ``(True, d)`` for each direction ``d`` it can be flipped in; the pipeline
        as it is when it has no top-level flip.

    Raises:
        ValueError: The pipeline flips twice (the cache key records one flip).
    """
    at = [i for i, t in enumerate(pipeline) if transform_name(t) in KEYED_RANDOM]
    if not at:
        return [((False, None), list(pipeline))]
    if len(at) > 1:
        raise ValueError(f'the training pipeline has {len(at)} flips '
                         f'({", ".join(transform_name(pipeline[i]) for i in at)}); the teacher '
                         'cache key records one: merge them')
    flip = pipeline[at[0]]
    args = call_arguments(transform_class(flip), flip)
    prob, direction = args.get('prob'), args.get('direction', 'horizontal')
    directions = [direction] if isinstance(direction, str) else list(direction)
    # per direction, as the flips draw it: a single prob is shared by the directions
    probs = list(prob) if isinstance(prob, (list, tuple)) else \
        [(prob or 0.) / len(directions)] * len(directions)
    variants = [((False, None), dict(flip, prob=0.))] if sum(probs) < 1 else []
    variants += [((True, d), dict(flip, prob=1., direction=d)) for d, p in zip(directions, probs)
                 if p > 0]
    return [(key, [*pipeline[:at[0]], made, *pipeline[at[0] + 1:]]) for key, made in variants]


def prepare_for_training(runner) -> None:
    """What training does to the model before its first step: ``init_weights`` (synchronised
    over the ranks), ``load_from`` / ``resume``, and the ``before_train`` of the hooks in
    :data:`PREPARING_HOOKS`."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    model.init_weights()
    for value in model.state_dict().values():
        broadcast(value)
    runner.load_or_resume()
    for hook in runner.hooks:
        if type(hook).__name__ in PREPARING_HOOKS:
            hook.before_train(runner)


def innermost(dataset):
    """The dataset below any wrappers (whose indices are the samples' ``sample_idx``;
    ``TeacherCacheHook`` has refused a ``ConcatDataset``)."""
    while hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    return dataset


def check_room(cache, entries: int) -> None:
    """Log what ``entries`` more entries will take on disk, and warn when the store's file
    system has less room left."""
    need = cache.bytes_per_sample() * entries
    free = shutil.disk_usage(cache.store.directory).free
    print_log(
        f'cache_teacher: about {need / 2**30:.2f} GiB more for {entries} entries '
        f'({free / 2**30:.1f} GiB free)',
        logger='current')
    if need > free:
        print_log(
            f'cache_teacher: {cache.store.directory} has {free / 2**30:.1f} GiB free, the store '
            f'needs about {need / 2**30:.1f} GiB more: give --store a larger disk, or '
            "teacher_cache=dict(dtype='float16') to halve it",
            logger='current',
            level=logging.WARNING)


def cache_teacher(cfg: Config, directory: Optional[str] = None) -> Dict:
    """Run the frozen teacher of a distillation config over its training set and store its
    outputs (resuming: samples already stored are skipped).

    Args:
        cfg (Config): The training config (``launcher``, ``work_dir`` and options set, as
            ``tools/train.py`` sets them); the cache is turned on in it
            (:func:`~cmkd_mm.engine.hooks.teacher_cache_hook.enable_teacher_cache`) when it is
            off, as ``tools/train.py --teacher-cache`` turns it on.
        directory (str, optional): Where the stores live, as ``--teacher-cache DIR``;
            default the config's ``teacher_cache.directory``, else ``<work_dir>/teacher_cache``.

    Returns:
        dict: ``directory`` (the store), ``stored`` (samples stored there now), ``computed``
        (by this pre-pass, over all ranks) and ``variants`` (the flips run).
    """
    runner = build_runner(enable_teacher_cache(cfg, directory))
    prepare_for_training(runner)
    algorithm = runner.model.module if is_model_wrapper(runner.model) else runner.model
    cache = algorithm.teacher_cache
    cache.memory_bytes = 0  # nothing is replayed here: every entry goes to the store only
    rank, world = get_dist_info()
    variants = flip_variants(inner_dataset(cfg.train_dataloader.dataset).get('pipeline', []))
    computed, remaining, stored_before = 0, None, None
    for flip, pipeline in variants:
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        inner_dataset(loader_cfg.dataset).pipeline = pipeline
        loader = runner.build_dataloader(loader_cfg)
        dataset = innermost(loader.dataset)
        barrier()  # every rank sees the same stored samples, so they split the rest alike
        cache.store.refresh()
        done = {(k[0], k[1], k[2]) for k in cache.store.index}
        stored_before = len(done) if stored_before is None else stored_before
        todo = [i for i in range(len(dataset)) if (i, *flip) not in done]
        barrier()
        computed += len(todo)
        label = f'flip {flip[1]}' if flip[0] else 'no flip'
        print_log(
            f'cache_teacher: {label}: {len(dataset) - len(todo)} of {len(dataset)} samples '
            f'already stored, {len(todo)} to run',
            logger='current')
        mine = todo[rank::world]
        batches = DataLoader(
            dataset,
            batch_size=loader.batch_size,
            sampler=mine,
            num_workers=loader.num_workers,
            collate_fn=loader.collate_fn)
        bar = ProgressBar(len(todo)) if rank == 0 and todo else None
        with torch.no_grad():
            for batch in batches:
                data = algorithm.data_preprocessor(batch, True)
                with algorithm.distiller.teacher_recorders:
                    algorithm.record_teachers(data['inputs'], data['data_samples'])
                if bar is not None:
                    if remaining is None:  # the first batch: now the size of an entry is known
                        remaining = len(dataset) * len(variants) - stored_before
                        check_room(cache, remaining)
                    bar.update(min(len(data['data_samples']) * world, len(todo) - bar.completed))
    barrier()
    cache.store.refresh()
    stored = len(cache.store)
    print_log(
        f'cache_teacher: {stored} samples stored in {cache.store.directory} '
        f'({cache.bytes_per_sample() / 2**20:.2f} MiB per sample, '
        f'{stored * cache.bytes_per_sample() / 2**30:.2f} GiB)',
        logger='current')
    cache.close()
    return dict(
        directory=cache.store.directory,
        stored=stored,
        computed=computed,
        variants=[f for f, _ in variants])
