"""The CacheTeacher stage fills the store the next stage trains with: both flips of every sample,
so the first epoch is replayed, and a rerun of the stage has nothing to do."""
import glob
import os.path as osp

from mmengine.config import Config

from cmkd_mm.models.algorithms.teacher_cache_store import ShardedStore
from cmkd_mm.recipes import RecipeRunner
from ..conftest import save_teacher, tiny_cfg

CONFIG = 'configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'


def test_cache_stage_fills_the_store_the_student_replays(mfnet_demo_root, tmp_path):
    cfg = tiny_cfg(CONFIG, mfnet_demo_root, str(tmp_path / 'unused'))
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=2)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.model.teacher_cache = dict()
    cfg.custom_hooks = [dict(type='TeacherCacheHook')]
    cfg.log_level = 'INFO'
    cfg.model.teacher_ckpt = save_teacher(cfg, tmp_path / 'teacher.pth')  # one for both stages
    config = str(tmp_path / 'kd.py')
    cfg.dump(config)
    recipe = Config(
        dict(
            stages=dict(
                cache=dict(type='CacheTeacher', config=config),
                student=dict(
                    type='Train',
                    config=config,
                    inputs={'model.teacher_cache.directory': 'cache.store'}))))
    work = str(tmp_path / 'work')
    RecipeRunner(recipe, work_dir=work, data_root=mfnet_demo_root).run()
    (store, ) = glob.glob(osp.join(work, '**', 'cache', 'teacher_cache', '*'), recursive=True)
    keys = ShardedStore(store).index
    assert sorted({k[0] for k in keys}) == [0, 1, 2, 3]
    assert {(k[1], k[2]) for k in keys} == {(False, None), (True, 'horizontal')}
    (log, ) = glob.glob(osp.join(work, '**', 'student', '*', '*.log'), recursive=True)
    with open(log) as f:
        assert 'epoch 1: 100.0 % of samples replayed (4 of 4)' in f.read()
