"""The NTIRE 2021 and NJUST-KMG recipes on tiny demo data: stages trained once and shared, the
hand-overs by name, validation switched off without val data, the submissions."""
import csv
import glob
import json
import os
import os.path as osp

import torch
from mmengine.config import Config

from cmkd_mm.recipes import MARKER, RecipeRunner
from cmkd_mm.recipes.steps import train as train_step
from ..conftest import ROOT

RECIPES = osp.join(ROOT, 'configs', 'recipes')
SHORT = {
    'train_cfg.max_epochs': 1,
    'train_cfg.val_interval': 1,
    'default_hooks.checkpoint.interval': 1
}


def test_ntire2021_recipe_shares_stages_and_writes_the_submissions(mavoc_demo_root, tmp_path):
    recipe = Config.fromfile(osp.join(RECIPES, 'ntire2021_mavoc2021_demo.py'))
    recipe.stages.kd2.iterations = 1
    for stage in ('kd1_pp_eval', ):
        recipe.stages[stage].val_evaluator.balancing.k = 1
        recipe.stages[stage].test_evaluator.balancing.k = 1
    # the test labels given as the user's --cfg-options reach the evaluation stages too
    assert recipe.pop('cfg_options') == {'test_dataloader.dataset.label_file': 'test_labels.csv'}
    user = dict(SHORT, **{'test_dataloader.dataset.label_file': 'test_labels.csv'})
    work = str(tmp_path / 'work')
    runner = RecipeRunner(recipe, work_dir=work, data_root=mavoc_demo_root, cfg_options=user)
    result = runner.run()
    records = result['runs'][0]
    assert set(records) == {
        'data', 'eo', 'sar', 'kd1', 'kd2_iter0_eo_step', 'kd2_iter0_sar_step', 'baseline_eval',
        'kd1_eval', 'kd1_pp_eval', 'kd2_eval'
    }
    assert records['sar']['inputs'] == {'load_from': records['eo']['outputs']['best']}
    assert records['kd2_eval']['inputs']['checkpoint'] == \
        records['kd2_iter0_eo_step']['outputs']['student']
    test_ids = sorted(
        osp.basename(p)[3:-4]
        for p in glob.glob(osp.join(mavoc_demo_root, 'test_images', 'test_eo', '*.png')))
    for stage in ('baseline_eval', 'kd1_eval', 'kd1_pp_eval', 'kd2_eval'):
        assert 'accuracy/top1' in records[stage]['metrics']['val']
        assert 'accuracy/top1' in records[stage]['metrics']['test']
        with open(osp.join(work, stage, 'results.csv')) as f:
            rows = list(csv.reader(f))
        assert rows[0] == ['image_id', 'class_id']
        assert sorted(r[0] for r in rows[1:]) == test_ids
        assert all(0 <= int(r[1]) <= 9 for r in rows[1:])
    with open(osp.join(work, 'kd1_pp_eval', 'results.csv')) as f:
        balanced = list(csv.reader(f))[1:]
    # k=1: class 3, balanced last, keeps at most its single most confident prediction
    assert sum(int(r[1]) == 3 for r in balanced) <= 1
    assert osp.isfile(osp.join(work, 'kd1_pp_eval', 'val', 'confusion_matrix.png'))
    assert '| kd2 (iterative EO and SAR steps) |' in result['table']
    assert osp.isfile(osp.join(work, 'results.md'))

    # a second run trains nothing and reports the same
    stamps = {s: osp.getmtime(osp.join(work, s, MARKER)) for s in ('eo', 'sar', 'kd1')}
    again = RecipeRunner(recipe, work_dir=work, data_root=mavoc_demo_root, cfg_options=user).run()
    assert {s: osp.getmtime(osp.join(work, s, MARKER)) for s in stamps} == stamps
    assert again['table'] == result['table']


class FakeRunner:
    """Stands in for the mmengine Runner: records each stage config and writes checkpoints."""
    calls = []

    def __init__(self, cfg):
        self.cfg = cfg

    @classmethod
    def from_cfg(cls, cfg):
        return cls(cfg)

    def train(self):
        cfg = self.cfg
        init = cfg.model.get('init_cfg') or {}
        FakeRunner.calls.append(
            dict(
                name=osp.basename(cfg.work_dir),
                type=cfg.model.type,
                teacher=cfg.model.get('teacher_ckpt'),
                init=init.get('checkpoint'),
                val=cfg.get('val_dataloader') is not None,
                save_best=cfg.default_hooks.checkpoint.get('save_best'),
                max_epochs=cfg.train_cfg.max_epochs))
        os.makedirs(cfg.work_dir, exist_ok=True)
        if cfg.model.type == 'CrossModalDistill':
            state = {
                'architecture.backbone.conv1.weight': torch.ones(2, 2),
                'teacher.backbone.conv1.weight': torch.zeros(2, 2)
            }
        else:
            state = {'backbone.conv1.weight': torch.ones(2, 2)}
        torch.save(dict(state_dict=state, meta={}), osp.join(cfg.work_dir, 'epoch_2.pth'))
        with open(osp.join(cfg.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(cfg.work_dir, 'epoch_2.pth'))

    train_orig = train


def test_njust_kmg_stage_wiring_without_val_data(tmp_path, monkeypatch):
    monkeypatch.setattr(train_step, 'Runner', FakeRunner)
    monkeypatch.setattr(train_step, 'checked_runner', FakeRunner.from_cfg)  # evaluation
    FakeRunner.calls = []
    recipe = Config.fromfile(osp.join(RECIPES, 'njust-kmg_mavoc2024.py'))
    recipe.stages = {k: v for k, v in recipe.stages.items() if not k.startswith('inference')}
    work = str(tmp_path / 'work')
    RecipeRunner(
        recipe,
        work_dir=work,
        data_root=str(tmp_path / 'no_data'),
        cfg_options={
            'train_cfg.max_epochs': 3
        }).run()
    calls = {c['name']: c for c in FakeRunner.calls}
    stage1 = osp.join(work, 'stage1_eo', 'epoch_2.pth')
    assert calls['stage2_kl']['teacher'] == calls['stage2_joint']['teacher'] == stage1
    assert calls['stage3_head_from_kl']['init'] == osp.join(work, 'stage2_kl', 'student.pth')
    assert calls['stage3_full_from_joint']['init'] == osp.join(work, 'stage2_joint', 'student.pth')
    student = torch.load(calls['stage3_head_from_kl']['init'])['state_dict']
    assert list(student) == ['backbone.conv1.weight']  # the SAR student alone
    # no val data: validation and best-checkpoint selection off; options reach every stage
    assert not any(c['val'] or c['save_best'] for c in calls.values())
    assert {c['max_epochs'] for c in calls.values()} == {3}
    with open(osp.join(work, 'stage3_head_from_kl', MARKER)) as f:
        record = json.load(f)
    assert record['inputs'] == {'model.init_cfg.checkpoint': calls['stage3_head_from_kl']['init']}


def test_seeds_run_the_whole_recipe_once_per_seed(tmp_path, monkeypatch):
    monkeypatch.setattr(train_step, 'Runner', FakeRunner)
    monkeypatch.setattr(train_step, 'checked_runner', FakeRunner.from_cfg)  # evaluation
    seeds_seen = []
    monkeypatch.setattr(
        FakeRunner, 'train', lambda self:
        (seeds_seen.append((osp.basename(self.cfg.work_dir), self.cfg.randomness.seed)),
         FakeRunner.train_orig(self)))
    recipe = Config.fromfile(osp.join(RECIPES, 'njust-kmg_mavoc2024.py'))
    recipe.stages = {k: recipe.stages[k] for k in ('stage1_eo', 'stage2_kl')}
    work = str(tmp_path / 'work')
    result = RecipeRunner(
        recipe, work_dir=work, data_root=str(tmp_path / 'no_data'), seeds=[3, 4]).run()
    assert seeds_seen == [('stage1_eo', 3), ('stage2_kl', 3), ('stage1_eo', 4), ('stage2_kl', 4)]
    for seed in (3, 4):
        assert osp.isfile(osp.join(work, f'seed_{seed}', 'stage2_kl', MARKER))
    with open(osp.join(work, 'results.json')) as f:
        assert json.load(f)['seeds'] == [3, 4]
    assert len(result['runs']) == 2
