"""Two-process DDP (gloo, CPU): first-step losses equal a single-process run, and the next
steps stay equal, for joint and separate optimizers of the adversarial discriminator (the
teacher-output cache under DDP: tests/test_engine/test_runner/test_teacher_prepass.py)."""
import os
import random
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ...conftest import tiny_cfg

CONFIGS = {
    'joint': 'configs/demo/cmkd-adv_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
    'separate': 'configs/demo/cmkd-adv-sepopt_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
}
STEPS = 3


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _run(config, data_root, work_dir, ddp):
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmrazor.registry import MODELS
    from mmseg.registry import DATASETS

    import cmkd_mm  # noqa: F401
    from cmkd_mm.models import DistillDistributedDataParallel
    cfg = tiny_cfg(config, data_root, work_dir)
    torch.set_num_threads(1)  # same summation order in every process
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    if ddp:
        model = DistillDistributedDataParallel(module=model, find_unused_parameters=True)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    # the same batch in every process (a distributed sampler would split the data by rank)
    random.seed(0)  # the pipeline's random flip
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[0], dataset[1]])
    logs = []
    for step in range(STEPS):
        torch.manual_seed(100 + step)  # same dropout masks in every process
        log = model.train_step(batch, optim)
        logs.append({k: float(v) for k, v in log.items()})
    return logs


def _worker(rank, world, port, config, data_root, work_dir, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        logs = _run(config, data_root, work_dir, ddp=True)
        torch.save(logs, f'{out}.{rank}')
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize('mode', list(CONFIGS))
def test_ddp_matches_single_process(mode, mfnet_demo_root, tmp_path):
    config = CONFIGS[mode]
    single = _run(config, mfnet_demo_root, str(tmp_path), ddp=False)
    out = str(tmp_path / 'logs')
    mp.spawn(
        _worker,
        args=(2, _free_port(), config, mfnet_demo_root, str(tmp_path), out),
        nprocs=2,
        join=True)
    for rank in range(2):
        logs = torch.load(f'{out}.{rank}')
        assert logs[0].keys() == single[0].keys()
        assert 'distill.loss_adv' in logs[0]
        for key in single[0]:
            assert logs[0][key] == pytest.approx(single[0][key], rel=1e-5, abs=1e-6), key
        for step in range(1, STEPS):
            for key in single[step]:
                assert logs[step][key] == pytest.approx(
                    single[step][key], rel=1e-3, abs=1e-4), (step, key)
