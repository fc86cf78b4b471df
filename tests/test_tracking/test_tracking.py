"""MLflow tracking: a run logged through the visualizer's MLflow backend to a SQLite store and
read back; a tracked recipe (2 seeds x 2 trained stages and an evaluation, the training faked)
and its comparison table from the store; the switches of tools/train.py and tools/run_recipe.py.

Creating a SQLite store runs MLflow's migrations (seconds): one empty store is made per module
and copied for each test.
"""
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import VISUALIZERS

from cmkd_mm.analysis import run_comparison
from cmkd_mm.recipes import RecipeRunner
from cmkd_mm.recipes.steps import train as train_step
from cmkd_mm.tracking import mlflow_backend as tracking
from ..conftest import load_tool

pytest.importorskip('mlflow', reason='the tracking extra (pip install -e .[tracking])')
from mlflow.tracking import MlflowClient  # noqa: E402

TRAIN_TOOL = load_tool('train.py')
RECIPE_TOOL = load_tool('run_recipe.py')
COMPARE_TOOL = load_tool('analysis_tools/compare_runs.py')


@pytest.fixture(autouse=True)
def _keep_mlflow_env():
    # mlflow.set_tracking_uri / set_experiment export MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_ID
    saved = {k: v for k, v in os.environ.items() if k.startswith('MLFLOW_')}
    yield
    for key in [k for k in os.environ if k.startswith('MLFLOW_')]:
        del os.environ[key]
    os.environ.update(saved)


@pytest.fixture(scope='module')
def empty_store(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('store') / tracking.DB_NAME)
    MlflowClient('sqlite:///' + path).search_experiments()  # creates the tables
    return path


def make_store(empty_store, folder):
    os.makedirs(folder, exist_ok=True)
    shutil.copy(empty_store, osp.join(folder, tracking.DB_NAME))
    return tracking.default_tracking_uri(folder)


def test_a_run_logged_through_the_visualizer_reads_back(empty_store, tmp_path):
    work = str(tmp_path / 'work')
    uri = make_store(empty_store, work)
    (tmp_path / 'tiny.py').write_text('a = 1\n')
    cfg = Config(
        dict(
            work_dir=work,
            a=1,
            b=dict(c=[0, 1]),
            visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])),
        filename=str(tmp_path / 'tiny.py'))
    tracking.enable_tracking(cfg, run_name='first', tags=dict(method='kd'))
    backend = tracking.enable_tracking(cfg, run_name='first', tags=dict(method='kd'))
    assert [b['type'] for b in cfg.visualizer.vis_backends] == ['LocalVisBackend', tracking.BACKEND]
    assert backend['tracking_uri'] == uri and backend['exp_name'] == 'tiny'
    assert cfg.custom_imports.imports == [tracking.MODULE]

    visualizer = VISUALIZERS.build(
        dict(cfg.visualizer, name=uuid.uuid4().hex, save_dir=osp.join(work, 'vis')))
    visualizer.add_config(cfg)
    visualizer.add_scalars({'loss': 0.5, 'coco/bbox_mAP': 0.25}, step=1)
    visualizer.add_scalars({'loss': 0.25}, step=2)
    for name in ('train.log', 'epoch_1.pth'):
        (tmp_path / 'work' / name).write_text('x')
    visualizer.close()

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name('tiny')
    assert experiment.artifact_location == osp.join(work, tracking.ARTIFACT_DIR)
    run, = client.search_runs([experiment.experiment_id])
    assert run.info.status == 'FINISHED' and run.info.run_name == 'first'
    assert run.data.tags['method'] == 'kd'
    assert run.data.params['a'] == '1' and run.data.params['b.c'] == '[0, 1]'
    assert run.data.metrics == {'loss': 0.25, 'coco/bbox_mAP': 0.25}
    assert [m.value for m in client.get_metric_history(run.info.run_id, 'loss')] == [0.5, 0.25]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    # the config and the work dir's logs; no checkpoint, nothing of the store itself
    assert {'config.py', 'train.log', 'vis'} == artifacts
    assert {a.path
            for a in client.list_artifacts(run.info.run_id, 'vis/vis_data')
            } == {'vis/vis_data/config.py', 'vis/vis_data/scalars.json'}

    tracking.log_final_metrics(uri, run.info.run_id, {'final/val/acc': 0.5})
    run = client.get_run(run.info.run_id)
    assert run.data.metrics['final/val/acc'] == 0.5 and run.data.tags['final_metrics'] == 'true'


def test_without_mlflow_tracking_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'mlflow', None)
    cfg = Config(dict(work_dir=str(tmp_path)))
    with pytest.raises(ImportError, match=r'pip install -e \.\[tracking\]'):
        tracking.enable_tracking(cfg)


def test_train_tool_track_switch(tmp_path, monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    config = tmp_path / 'tiny_cfg.py'
    config.write_text('model = dict(type="X")\n')
    work = str(tmp_path / 'w')

    def backend(*argv):
        cfg = TRAIN_TOOL.build_cfg(TRAIN_TOOL.parse_args([str(config), '--work-dir', work, *argv]))
        found = [
            b for b in (cfg.get('visualizer') or {}).get('vis_backends', [])
            if b['type'] == tracking.BACKEND
        ]
        return found[0] if found else None

    assert backend() is None
    default = backend('--track')
    assert default['tracking_uri'] == tracking.default_tracking_uri(work)
    assert default['exp_name'] == 'tiny_cfg'
    assert default['tags'] == dict(config=str(config), resumed='false')
    assert backend('--track', 'http://localhost:5000')['tracking_uri'] == 'http://localhost:5000'
    assert backend('--track', str(tmp_path / 'db'))['tracking_uri'] == \
        tracking.default_tracking_uri(str(tmp_path / 'db'))
    # the config switch
    config.write_text('model = dict(type="X")\ntrack = dict(exp_name="mine", tags=dict(a=1))\n')
    switched = backend('--resume')
    assert switched['exp_name'] == 'mine'
    assert switched['tags'] == dict(config=str(config), resumed='true', a='1')
    assert RECIPE_TOOL.parse_args(['r.py', '--track']).track is True
    assert RECIPE_TOOL.parse_args(['r.py', '--track', 'sqlite:///x.db']).track == 'sqlite:///x.db'
    assert RECIPE_TOOL.parse_args(['r.py']).track is None


STAGE = """
model = dict(type='Fake')
train_cfg = dict(max_epochs=1)
val_dataloader = dict(batch_size=1)
test_dataloader = dict(batch_size=1)
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
"""

#: The metrics the fake runner returns: (stage dir name, seed) -> val top-1.
VAL = {
    ('teacher', 0): 0.5,
    ('teacher', 1): 0.7,
    ('student', 0): 0.4,
    ('student', 1): 0.45,
    ('eval', 0): 0.41,
    ('eval', 1): 0.47
}


class FakeRunner:
    """Trains nothing: logs to its visualizer as the mmengine Runner does, saves a checkpoint,
    evaluates to the numbers of ``VAL``."""
    evaluated = []

    def __init__(self, cfg):
        self.cfg = cfg

    @classmethod
    def from_cfg(cls, cfg):
        return cls(cfg)

    def train(self):
        cfg = self.cfg
        os.makedirs(cfg.work_dir, exist_ok=True)
        visualizer = VISUALIZERS.build(
            dict(cfg.visualizer, name=uuid.uuid4().hex, save_dir=osp.join(cfg.work_dir, 'vis')))
        visualizer.add_config(cfg)
        visualizer.add_scalars({'loss': 1.0}, step=1)
        visualizer.close()
        torch.save(dict(state_dict={}, meta={}), osp.join(cfg.work_dir, 'epoch_1.pth'))
        with open(osp.join(cfg.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(cfg.work_dir, 'epoch_1.pth'))

    def _metrics(self, split):
        backends = [b['type'] for b in self.cfg.visualizer.vis_backends]
        FakeRunner.evaluated.append(backends)
        value = VAL[(osp.basename(self.cfg.work_dir), self.cfg.randomness.seed)]
        return {'accuracy/top1': value if split == 'val' else value / 2}

    def val(self):
        return self._metrics('val')

    def test(self):
        return self._metrics('test')


def _recipe(tmp_path):
    (tmp_path / 'stage.py').write_text(STAGE)
    path = tmp_path / 'tiny_recipe.py'
    path.write_text(f"""
stages = dict(
    teacher=dict(type='Train', config={str(tmp_path / 'stage.py')!r}, evaluate=['val']),
    student=dict(type='Train', config={str(tmp_path / 'stage.py')!r},
                 inputs={{'load_from': 'teacher.best'}}, evaluate=['val', 'test']),
    eval=dict(type='Evaluate', inputs=dict(config='student.config', checkpoint='student.best'),
              splits=['val']))
report = dict(rows=dict(teacher='Teacher', student='Student (KD)'))
""")
    return str(path)


def test_a_tracked_recipe_and_its_comparison_from_the_store(empty_store, tmp_path, monkeypatch):
    monkeypatch.setattr(train_step, 'Runner', FakeRunner)
    monkeypatch.setattr(train_step, 'checked_runner', FakeRunner.from_cfg)  # evaluation
    FakeRunner.evaluated = []
    recipe, work = _recipe(tmp_path), str(tmp_path / 'work')
    # seed 0 ran before tracking was switched on: its stages are logged from their records
    RecipeRunner(recipe, work_dir=work, seeds=[0]).run()
    uri = make_store(empty_store, work)
    RecipeRunner(recipe, work_dir=work, seeds=[0, 1], track=True).run()
    # the evaluations never log to MLflow, and the dumped stage config is untracked
    assert FakeRunner.evaluated and all(tracking.BACKEND not in b for b in FakeRunner.evaluated)
    assert tracking.BACKEND not in open(osp.join(work, 'seed_1', 'student',
                                                 'stage_config.py')).read()

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name('tiny_recipe')
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {f'seed_{s}/{n}' for s in (0, 1) for n in ('teacher', 'student', 'eval')}
    trained = runs['seed_1/student']
    tags = trained.data.tags
    assert (tags['recipe'], tags['stage'], tags['seed'], tags['stage_type'], tags['label'],
            tags['resumed']) == ('tiny_recipe', 'student', '1', 'Train', 'Student (KD)', 'false')
    assert tags['config'] == str(tmp_path / 'stage.py')
    assert trained.data.params['train_cfg.max_epochs'] == '1'
    assert trained.data.metrics['loss'] == 1.0  # what training logged
    assert trained.data.metrics['final/val/accuracy/top1'] == 0.45
    assert trained.data.metrics['final/test/accuracy/top1'] == 0.225
    assert 'final/wall_time_s' in trained.data.metrics
    assert 'stage_config.py' in {a.path for a in client.list_artifacts(trained.info.run_id)}
    assert runs['seed_0/student'].data.tags['backfilled'] == 'true'
    assert runs['seed_1/eval'].data.tags['stage_type'] == 'Evaluate'
    assert all(r.info.status == 'FINISHED' and r.data.tags['final_metrics'] == 'true'
               for r in runs.values())

    # a run of seed 1's teacher killed midway, and a later one that ended without final metrics:
    # neither counts
    killed = client.create_run(experiment.experiment_id, tags=dict(stage='teacher', seed='1'))
    client.log_metric(killed.info.run_id, 'final/val/accuracy/top1', 0.0)
    client.set_tag(killed.info.run_id, 'final_metrics', 'true')
    crashed = client.create_run(experiment.experiment_id, tags=dict(stage='teacher', seed='1'))
    client.set_terminated(crashed.info.run_id, 'FINISHED')
    # a second run of the recipe trains and logs nothing new
    RecipeRunner(recipe, work_dir=work, seeds=[0, 1], track=True).run()
    assert len(client.search_runs([experiment.experiment_id])) == len(runs) + 2

    def cell(values):
        return f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}'

    table = run_comparison.compare_table(
        work, metrics=['val/accuracy/top1'], fmt='.3f', show_time=False)
    assert table.splitlines()[2:] == [
        '| Stage | val/accuracy/top1 | n |', '|---|---|---|',
        f'| Teacher | {cell([0.5, 0.7])} | 2 |', f'| Student (KD) | {cell([0.4, 0.45])} | 2 |',
        f'| eval | {cell([0.41, 0.47])} | 2 |'
    ]
    out = json.loads(COMPARE_TOOL.main(['--tracking-uri', uri, '--format', 'json']))
    assert out['experiment'] == 'tiny_recipe'
    assert out['metrics'] == ['test/accuracy/top1', 'val/accuracy/top1']
    teacher = out['stages']['teacher']
    assert teacher['n'] == 2 and sorted(teacher['seeds']) == ['0', '1']
    assert teacher['metrics']['val/accuracy/top1']['mean'] == pytest.approx(0.6)
    assert teacher['metrics']['val/accuracy/top1']['std'] == pytest.approx(
        statistics.stdev([0.5, 0.7]))
    assert len(teacher['wall_time_s']['values']) == 2
    md = COMPARE_TOOL.main(
        [work, '--metrics', 'val/accuracy/top1', '--scale', '100', '--fmt', '.1f'])
    assert f'| Teacher | {60.0:.1f} ± {100 * statistics.stdev([0.5, 0.7]):.1f} |' in md


def test_configs_dumped_before_the_move_still_import_the_backend(tmp_path):
    """A work dir's config from an earlier version names the old module in custom_imports: it
    still loads, registers the backend and warns."""
    path = tmp_path / 'dumped.py'
    path.write_text("custom_imports = dict(imports=['cmkd_mm.apis.tracking'], "
                    'allow_failed_imports=False)\n')
    code = ('import warnings\n'
            'from mmengine.config import Config\n'
            'from mmengine.registry import VISBACKENDS\n'
            'with warnings.catch_warnings(record=True) as caught:\n'
            '    warnings.simplefilter("always")\n'
            f'    Config.fromfile({str(path)!r})\n'
            'print([str(w.message) for w in caught if w.category is FutureWarning])\n'
            'print(VISBACKENDS.get("CMKDMLflowVisBackend").__module__)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert "'cmkd_mm.apis.tracking' is deprecated" in out.stdout
    assert out.stdout.strip().endswith('cmkd_mm.tracking.mlflow_backend')
