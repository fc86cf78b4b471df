"""The teacher-output store shared by two gloo processes under mmengine's shuffling sampler, for
three epochs: without a pre-pass epoch 1 runs the teacher and every later batch is replayed;
with ``cache_teacher`` every batch is; losses and final weights equal the uncached run's; one
store on disk, each sample in it once."""
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.hooks import Hook

from cmkd_mm.demo import make_mfnet_demo
from cmkd_mm.engine.runner import flip_variants
from ...conftest import save_teacher, tiny_cfg

CONFIG = 'configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'
EPOCHS, SAMPLES = 3, 8  # 2 ranks x batch 2: 2 iterations an epoch


class _Record(Hook):
    """Losses of every iteration and the epoch's share of samples replayed."""
    priority = 'LOW'  # after TeacherCacheHook

    def __init__(self):
        self.losses, self.rates = [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: v.item() for k, v in outputs.items() if 'loss' in k})

    def after_train_epoch(self, runner):
        rate = runner.message_hub.get_info('teacher_cache_epoch_hit_rate')
        if rate is not None:
            self.rates.append(rate)


def _cfg(data_root, work_dir, teacher_ckpt, cache):
    cfg = tiny_cfg(CONFIG, data_root, work_dir)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=EPOCHS, val_interval=EPOCHS + 1)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
    pipeline = cfg.train_dataloader.dataset.pipeline  # no flip: one key per sample
    cfg.train_dataloader.dataset.pipeline = [t for t in pipeline if 'Flip' not in t['type']]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=EPOCHS)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.launcher = 'pytorch'
    cfg.model_wrapper_cfg = dict(
        type='mmrazor.DistillDistributedDataParallel', find_unused_parameters=True)
    cfg.model.teacher_ckpt = teacher_ckpt
    if cache:
        cfg.model.teacher_cache = dict()
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [dict(type='TeacherCacheHook')]
    return cfg


def _train(cfg):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    record = _Record()
    runner.register_hook(record)
    runner.train()
    state = {k: v.detach().clone() for k, v in runner.model.module.student.state_dict().items()}
    return dict(losses=record.losses, rates=record.rates, state=state)


def _worker(rank, world, port, data_root, tmp, teacher_ckpt):
    # the first Runner starts the processes' group as --launcher pytorch does (gloo, no CUDA)
    os.environ.update(
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world))
    torch.set_num_threads(1)  # the same summation order in every run
    try:
        import cmkd_mm  # noqa: F401
        from cmkd_mm.engine.runner import cache_teacher
        runs = dict(
            online=_train(_cfg(data_root, f'{tmp}/online', teacher_ckpt, False)),
            cached=_train(_cfg(data_root, f'{tmp}/cached', teacher_ckpt, True)))
        prepass = cache_teacher(_cfg(data_root, f'{tmp}/prepass', teacher_ckpt, True))
        again = cache_teacher(_cfg(data_root, f'{tmp}/prepass', teacher_ckpt, True))
        runs['prepass'] = _train(_cfg(data_root, f'{tmp}/prepass', teacher_ckpt, True))
        runs['prepass'].update(computed=(prepass['computed'], again['computed']))
        torch.save(runs, f'{tmp}/runs.{rank}')
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_one_store_for_two_ranks_replays_from_epoch_2_or_with_a_prepass(tmp_path):
    data_root = make_mfnet_demo(
        str(tmp_path / 'data'), splits=dict(train=SAMPLES, val=1, test=1), size=(64, 48))
    torch.manual_seed(0)
    teacher_ckpt = save_teacher(
        _cfg(data_root, str(tmp_path), None, False), tmp_path / 'teacher.pth')
    mp.spawn(
        _worker,
        args=(2, _free_port(), data_root, str(tmp_path), teacher_ckpt),
        nprocs=2,
        join=True)
    for rank in range(2):
        runs = torch.load(f'{tmp_path}/runs.{rank}')
        online = runs['online']
        print(f'rank {rank}: samples replayed per epoch: cached {runs["cached"]["rates"]}, '
              f'after the pre-pass {runs["prepass"]["rates"]}')
        assert runs['cached']['rates'] == [0., 1., 1.]
        assert runs['prepass']['rates'] == [1., 1., 1.]
        assert runs['prepass']['computed'] == (SAMPLES, 0)  # run again, it had nothing to do
        for name in ('cached', 'prepass'):
            got = runs[name]
            assert len(got['losses']) == len(online['losses']) == EPOCHS * 2
            for a, b in zip(online['losses'], got['losses']):
                assert a.keys() == b.keys()
                for key in a:
                    assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-6), (name, key)
            for key, value in online['state'].items():
                if value.is_floating_point():
                    torch.testing.assert_close(got['state'][key], value, rtol=1e-4, atol=1e-5)
    for run in ('cached', 'prepass'):  # one store, both ranks' shards, each sample once
        root = tmp_path / run / 'teacher_cache'
        (store, ) = root.iterdir()
        shards = sorted(p.name.split('-')[0] for p in store.glob('*.idx'))
        assert shards == ['rank0', 'rank1']
        from cmkd_mm.models.algorithms.teacher_cache_store import ShardedStore
        merged = ShardedStore(str(store))
        assert sorted(k[0] for k in merged.index) == list(range(SAMPLES))
        per_sample = merged.entry_bytes(next(iter(merged.index)))
        assert sum(p.stat().st_size for p in store.glob('*.bin')) == SAMPLES * per_sample


def test_flip_variants():
    load = dict(type='LoadModalities')
    flip = dict(type='MultiModalRandomFlip', prob=0.5, direction=['horizontal', 'vertical'])
    got = flip_variants([load, flip])
    assert [key for key, _ in got] == [(False, None), (True, 'horizontal'), (True, 'vertical')]
    assert got[0][1] == [load, dict(flip, prob=0.)]
    assert got[2][1] == [load, dict(flip, prob=1., direction='vertical')]
    assert [k
            for k, _ in flip_variants([dict(type='RandomFlip', prob=1.)])] == [(True, 'horizontal')]
    assert flip_variants([load]) == [((False, None), [load])]
    with pytest.raises(ValueError, match='2 flips'):
        flip_variants([flip, dict(type='mmseg.RandomFlip', prob=0.5)])
