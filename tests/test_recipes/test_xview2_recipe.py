"""The xView2 demo recipe on tiny xBD-layout data: masks written, both teachers, the students
alone, T-S with transfer and TwoTeacher train, are tested with the xView2 score and profiled,
and the report has its columns."""
import glob
import os.path as osp
import shutil

from mmengine.config import Config

from cmkd_mm.recipes import RecipeRunner
from ..conftest import ROOT

SHORT = {
    'train_cfg.max_epochs': 1,
    'train_cfg.val_interval': 1,
    'default_hooks.checkpoint.interval': 1,
    'train_dataloader.batch_size': 2
}
for _split in ('train', 'val', 'test'):  # the fixture's tiles are 64x64, the demo's 256x256
    SHORT[f'{_split}_dataloader.dataset.expect_size'] = None


def test_xview2_demo_recipe_reports_the_score(xview2_demo_root, tmp_path):
    data_root = str(tmp_path / 'data')
    shutil.copytree(xview2_demo_root, data_root)
    recipe = Config.fromfile(osp.join(ROOT, 'configs', 'recipes', 'xview2_demo.py'))
    for stage in recipe.stages.values():
        stage.profile = dict(shape=(64, 64), iters=1, warmup=0, onnx=False)
    result = RecipeRunner(
        recipe, work_dir=str(tmp_path / 'work'), data_root=data_root, cfg_options=SHORT).run()
    records = result['runs'][0]
    assert records['masks']['outputs']['masks']
    assert osp.isfile(osp.join(data_root, 'train', 'masks', '.xview2_masks.json'))
    loc = records['loc']['metrics']
    assert set(loc['test']) >= {'localization_f1', 'localization_iou'}
    assert 'score' not in loc['test']
    for stage in ('damage', 'damage_student', 'damage_kd', 'damage_two'):
        metrics = records[stage]['metrics']
        assert set(metrics['test']) >= {
            'score', 'damage_f1', 'localization_f1', 'damage_f1_minor_damage', 'localization_iou'
        }
        assert all(0. <= v <= 1. for v in metrics['test'].values())
        assert 'score' in metrics['val']
        assert metrics['profile']['params'] > 0 and metrics['profile']['eager_ms'] > 0
    # the students are smaller than their teachers
    params = {
        s: records[s]['metrics']['profile']['params']
        for s in records if 'profile' in (records[s].get('metrics') or {})
    }
    assert params['damage_kd'] == params['damage_two'] == params['damage_student'] \
        < params['damage']
    assert params['loc_kd'] == params['loc_student'] < params['loc']
    # the hand-overs: T-S starts from the distilled loc student, TwoTeacher reads both teachers
    kd_cfg = Config.fromfile(records['damage_kd']['outputs']['config'])
    assert kd_cfg.model.architecture.init_cfg.checkpoint == records['loc_kd']['outputs']['student']
    two_cfg = Config.fromfile(records['damage_two']['outputs']['config'])
    teachers = two_cfg.model.teacher.teachers
    assert teachers.damage.ckpt == records['damage']['outputs']['best']
    assert teachers.loc.ckpt == records['loc']['outputs']['best']
    for stage in ('loc', 'damage', 'damage_kd'):  # each stage logs into its own folder
        assert glob.glob(osp.join(tmp_path, 'work', stage, '*', 'vis_data', 'scalars.json')), stage
    for row in ('| Damage teacher (pre + post) |', '| Damage student, TwoTeacher |'):
        assert row in result['table']
