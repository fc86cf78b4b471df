"""The teacher-output cache: training with it gives the same losses and weights as without it
(FPN feature distillation, logits distillation, CEKD), it replays instead of running the
teacher, refuses a random crop on a teacher modality, spills to disk, survives a new run with
the same fingerprint and is dropped when the teacher changes."""
import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.structures import BaseDataElement
from mmrazor.models.task_modules.recorder import ModuleOutputsRecorder
from torch import nn

from cmkd_mm.models.algorithms.teacher_cache import TeacherOutputCache
from cmkd_mm.models.algorithms.teacher_cache_store import ShardedStore
from ...conftest import tiny_cfg


class _Losses(Hook):
    """Collects the loss of every iteration."""

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: float(v) for k, v in outputs.items() if 'loss' in k})


def _train(config, data_root, work_dir, cache, iters=4, samples=2, **cache_args):
    cfg = tiny_cfg(config, data_root, str(work_dir), iters=iters)
    cfg.train_dataloader.dataset.indices = samples  # a few samples, seen several times
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False)
    if cache:
        cfg.model.teacher_cache = dict(cache_args)
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [dict(type='TeacherCacheHook')]
    runner = Runner.from_cfg(cfg)
    losses = _Losses()
    runner.register_hook(losses)
    calls = []
    algorithm = runner.model
    run = algorithm.run_teachers
    algorithm.run_teachers = lambda *a, **k: calls.append(1) or run(*a, **k)
    runner.train()
    return runner, losses.losses, len(calls)


def _same_training(config, data_root, tmp_path, iters=4, samples=2):
    ref, ref_losses, ref_calls = _train(config, data_root, tmp_path / 'plain', False, iters,
                                        samples)
    got, got_losses, got_calls = _train(config, data_root, tmp_path / 'cached', True, iters,
                                        samples)
    assert ref_calls == iters and got_calls < iters  # the teacher ran only on cache misses
    assert got.model.teacher_cache.hits == iters - got_calls
    assert len(got_losses) == len(ref_losses) == iters
    for a, b in zip(ref_losses, got_losses):
        assert a.keys() == b.keys()
        for key in a:
            assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-6), key
    ref_state, got_state = ref.model.state_dict(), got.model.state_dict()
    for key, value in ref_state.items():
        if value.is_floating_point():
            torch.testing.assert_close(got_state[key], value, rtol=1e-4, atol=1e-5)
    return got


def test_fpn_feature_distillation_same_with_cache(stf_demo_root, tmp_path):
    """3 samples in batches of 2: some batches have one sample stored, and the teacher runs on
    the other alone."""
    got = _same_training(
        'configs/detection/cmkd-mse_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py',
        stf_demo_root,
        tmp_path,
        iters=5,
        samples=3)
    assert got.model.teacher_cache.counts['batches_partial'] > 0
    assert got.model.teacher_cache.bytes_per_sample() > 0


def test_logits_distillation_same_with_cache(mavoc_demo_root, tmp_path):
    """KD1: the SAR teacher reads its test transform; the EO student's augmentation is random
    and allowed (it never touches the teacher's modality)."""
    _same_training('configs/classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py',
                   mavoc_demo_root, tmp_path)


def test_cekd_same_with_cache(mfnet_demo_root, tmp_path):
    _same_training(
        'configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py',
        mfnet_demo_root, tmp_path)


def test_random_crop_on_a_teacher_modality_is_refused(mfnet_demo_root, tmp_path):
    cfg = tiny_cfg('configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
                   mfnet_demo_root, str(tmp_path))
    pipeline = cfg.train_dataloader.dataset.pipeline
    pipeline.insert(len(pipeline) - 1, dict(type='MultiModalRandomCrop', crop_size=(32, 32)))
    cfg.model.teacher_cache = dict()
    cfg.custom_hooks = [dict(type='TeacherCacheHook')]
    with pytest.raises(ValueError, match='MultiModalRandomCrop'):
        Runner.from_cfg(cfg).train()


def test_cache_without_its_hook_is_refused(mfnet_demo_root, tmp_path):
    cfg = tiny_cfg('configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
                   mfnet_demo_root, str(tmp_path))
    cfg.model.teacher_cache = dict()
    with pytest.raises(RuntimeError, match='TeacherCacheHook'):
        Runner.from_cfg(cfg).train()


def test_reused_by_a_new_run_and_dropped_when_the_teacher_changes(mfnet_demo_root, tmp_path):
    config = 'configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'
    first, _, first_calls = _train(config, mfnet_demo_root, tmp_path, True, iters=1)
    assert first_calls == 1 and len(first.model.teacher_cache) == 2
    again, _, calls = _train(config, mfnet_demo_root, tmp_path, True, iters=1)
    assert calls == 0  # every sample replayed from the saved store (e.g. after --resume)
    cfg = tiny_cfg(config, mfnet_demo_root, str(tmp_path), iters=1)
    cfg.train_dataloader.dataset.indices = 2
    cfg.model.teacher_cache = dict()
    cfg.custom_hooks = [dict(type='TeacherCacheHook')]
    runner = Runner.from_cfg(cfg)
    with torch.no_grad():
        next(runner.model.teacher.parameters()).add_(1.)  # another teacher
    runner.train()
    assert runner.model.teacher_cache.hits == 0


def _records(batch=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return dict(
        feat=[(torch.randn(batch, 4, 5, 6, generator=g), torch.randn(batch, 2, generator=g))],
        logits=[torch.randn(batch, 3, generator=g)])


def test_store_keeps_memory_within_budget_and_converts_fp16(tmp_path):
    records = _records()
    keys = [(i, False, None, ((8, 8), )) for i in range(3)]
    exact = TeacherOutputCache(memory_bytes=600)
    assert exact.open(str(tmp_path / 'a')) == 0
    exact.put(keys, records)
    assert len(exact.memory) == 1 and len(exact) == 3  # 500 bytes a sample: one fits in memory
    got = exact.get(keys, 'cpu')
    torch.testing.assert_close(got['feat'][0][0], records['feat'][0][0], rtol=0, atol=0)
    assert isinstance(got['feat'][0], tuple) and isinstance(got['logits'], list)
    assert exact.get(keys + [(9, False, None, ((8, 8), ))], 'cpu') is None
    half = TeacherOutputCache(dtype='float16')
    half.put(keys, records)
    got = half.get(keys, 'cpu')
    assert got['logits'][0].dtype == torch.float32
    err = (got['logits'][0] - records['logits'][0]).abs().max()
    assert 0 < err < 2e-3 and half.bytes_per_sample() == exact.bytes_per_sample() / 2
    exact.close()
    again = TeacherOutputCache(memory_bytes=0)  # a later run: everything read from disk
    assert again.open(str(tmp_path / 'a')) == 3
    torch.testing.assert_close(again.get(keys, 'cpu')['feat'][0][1], records['feat'][0][1])
    assert not again.memory
    with pytest.raises(ValueError, match='batch axis'):
        TeacherOutputCache().put(keys[:2], copy.deepcopy(records))


def test_one_store_for_several_writers(tmp_path):
    """Two processes' caches on one directory: what one stores the other replays, a record
    still being written is read once it is whole, and no entry is stored twice."""
    records = _records(batch=2)
    keys = [(i, True, 'horizontal', ((8, 8), )) for i in range(2)]
    a, b = TeacherOutputCache(), TeacherOutputCache()
    a.open(str(tmp_path), rank=0)
    b.open(str(tmp_path), rank=1)
    a.put(keys[:1], {
        k: [tuple(t[:1] for t in v[0])] if k == "feat" else [v[0][:1]]
        for k, v in records.items()
    })
    assert b.missing(keys) == [1]  # b sees a's entry without reopening
    index = tmp_path / f'{a.store.shard}.idx'
    whole = index.read_bytes()
    b.put(keys, records)
    assert len(b) == 2 and b.store.index[keys[0]][0] == a.store.shard  # not stored again
    torch.testing.assert_close(b.get(keys, 'cpu')['logits'][0][:1], records['logits'][0][:1])
    # a torn record (its writer stopped mid-write) is not read; the rest of the shard is
    index.write_bytes(whole + whole[-20:-3])
    c = TeacherOutputCache()
    assert c.open(str(tmp_path), rank=0) == 2
    assert sorted(p.suffix for p in tmp_path.iterdir()) == ['.bin', '.bin', '.idx', '.idx']


def test_record_runs_the_teacher_on_the_missing_samples_only():
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1))
    recorder = ModuleOutputsRecorder('0')
    recorder.initialize(net)
    samples = [BaseDataElement(metainfo=dict(sample_idx=i)) for i in range(3)]
    x = torch.rand(3, 1, 4, 4)
    runs = []

    def record(cache, n, inputs):

        def run(indices=None):
            runs.append(indices)
            net(inputs if indices is None else inputs[indices])
            return dict(loss=1)

        with recorder:
            losses = cache.record(dict(feat=recorder), samples[:n], [inputs], run)
        return losses, recorder.data_buffer[0]

    cache = TeacherOutputCache()
    with pytest.raises(RuntimeError, match='TeacherCacheHook'):
        record(cache, 2, x[:2])
    cache.armed = True
    assert record(cache, 2, x[:2])[0] == dict(loss=1)
    # sample 2 is new: the teacher runs on it alone, 0 and 1 are replayed
    losses, got = record(cache, 3, x)
    assert losses == dict(loss=1)
    losses, again = record(cache, 3, x)
    assert losses == {} and runs == [None, [2]]
    torch.testing.assert_close(again, got, rtol=0, atol=0)
    torch.testing.assert_close(got, net(x).detach(), rtol=1e-6, atol=1e-6)
    assert cache.counts == dict(
        batches_replayed=1,
        batches_partial=1,
        batches_run=1,
        samples_replayed=2 + 3,
        samples_run=2 + 1)
    record(cache, 3, torch.rand(3, 1, 8, 8))  # another teacher input shape is another key
    assert runs[-1] is None


@pytest.mark.parametrize('world', [2, 8])
def test_every_batch_from_epoch_2_is_replayed_at_any_world_size(tmp_path, world):
    """Ranks drawn as mmengine's DefaultSampler draws them (one shuffle an epoch, rank r takes
    r, r + W, ...), batches of 4, one cache per rank on one directory."""
    samples, batch = 64, 4
    caches = [TeacherOutputCache() for _ in range(world)]
    for rank, cache in enumerate(caches):
        cache.open(str(tmp_path), rank)
        cache.armed = True
    net = nn.Conv2d(1, 2, 1)
    recorder = ModuleOutputsRecorder('')
    recorder.initialize(net)
    data = torch.rand(samples, 1, 2, 2)
    rates = []
    for epoch in range(3):
        order = torch.randperm(samples, generator=torch.Generator().manual_seed(epoch)).tolist()
        start = [dict(c.counts) for c in caches]
        for step in range(samples // world // batch):
            for rank, cache in enumerate(caches):  # the ranks take turns, step by step
                idx = order[rank::world][step * batch:(step + 1) * batch]
                samples_ = [BaseDataElement(metainfo=dict(sample_idx=i)) for i in idx]
                with recorder:
                    cache.record(
                        dict(feat=recorder),
                        samples_, [data[idx]],
                        lambda part=None, x=data[idx]: net(x if part is None else x[part]))
                    torch.testing.assert_close(recorder.data_buffer[0], net(data[idx]))
        replayed = sum(c.counts['samples_replayed'] - s['samples_replayed']
                       for c, s in zip(caches, start))
        rates.append(replayed / samples)
    assert rates == [0., 1., 1.]
    assert len(ShardedStore(str(tmp_path))) == samples


def test_concatenated_training_sets_are_refused(mfnet_demo_root, tmp_path):
    """Two datasets' samples 0 would share one entry."""
    cfg = tiny_cfg('configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
                   mfnet_demo_root, str(tmp_path))
    one = cfg.train_dataloader.dataset
    cfg.train_dataloader.dataset = dict(type='ConcatDataset', datasets=[one, copy.deepcopy(one)])
    cfg.model.teacher_cache = dict()
    cfg.custom_hooks = [dict(type='TeacherCacheHook')]
    with pytest.raises(ValueError, match='ConcatDataset'):
        Runner.from_cfg(cfg).train()
