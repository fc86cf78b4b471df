"""``Train``: one training run of a config, resumable, with its hand-overs and evaluation."""
import glob
import json
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

from ...deployment import extract_student as extract
from ...engine.hooks.teacher_cache_hook import enable_teacher_cache
from ...engine.runner import checked_runner
from ..registry import RECIPE_STEPS
from ..stage_config import set_handover
from .base import BaseStep


def best_checkpoint(work_dir: str) -> str:
    """The best validation checkpoint (``best_*.pth``) of a finished run, else its last one.

    Args:
        work_dir (str): The run's work dir.
    """
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if best:
        return best[-1]
    return last_checkpoint(work_dir)


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint named in ``<work_dir>/last_checkpoint`` (mmengine writes it)."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'{marker}: the run saved no checkpoint; set '
                                'default_hooks.checkpoint so that it saves at least the last one')
    with open(marker) as f:
        return f.read().strip()


def evaluate_checkpoint(cfg: Config, checkpoint: str, splits: Sequence[str]) -> Dict[str, Dict]:
    """Val and / or test metrics of ``checkpoint`` under ``cfg`` (a fresh Runner, no training).

    Best-checkpoint bookkeeping and the custom hooks (early stopping, loss schedules) are off.

    Args:
        cfg (Config): The config (edited in place).
        checkpoint (str): Checkpoint to load.
        splits (Sequence[str]): ``'val'`` and / or ``'test'``; a split the config has no
            dataloader for is left out.
    """
    cfg.load_from, cfg.resume = checkpoint, False
    if cfg.get('default_hooks', {}).get('checkpoint'):
        cfg.default_hooks.checkpoint.save_best = None
    cfg.custom_hooks = []
    splits = [s for s in splits if cfg.get(f'{s}_dataloader')]
    if not splits:
        return {}
    runner = checked_runner(cfg)
    metrics = {split: getattr(runner, split)() for split in splits}
    return json.loads(json.dumps(metrics, default=float))


@RECIPE_STEPS.register_module()
class Train(BaseStep):
    """Train a config; hand earlier stages' outputs to it by config key.

    ``inputs`` maps config keys to references, e.g. ``{'model.teacher_ckpt': 'teacher.best',
    'load_from': 'sar.best', 'model.architecture.init_cfg.checkpoint': 'eo.best'}`` (an
    ``init_cfg.checkpoint`` key sets ``init_cfg = dict(type='Pretrained', checkpoint=...)``).
    A stage that stopped midway resumes from its last checkpoint (``load_from`` is then not
    applied again: the checkpoint already holds it).

    Outputs: ``best`` (best val checkpoint, else the last), ``last``, ``config`` (the config as
    trained, ``<stage>/stage_config.py``) and, with ``extract_student``, ``student`` (the plain
    student checkpoint of a distillation run) and ``student_config``.

    Args:
        name (str): Stage name.
        config (str): The training config.
        inputs (dict, optional): Config key -> ``'<stage>.<output>'``.
        cfg_options (dict, optional): Options of this stage (under the user's
            ``--cfg-options``).
        extract_student (bool): Also write the distilled student as a plain model.
        evaluate (Sequence[str]): Splits (``'val'``, ``'test'``) to evaluate the ``best``
            checkpoint on after training; their metrics go to the results table.
        profile (dict, optional): Also measure the deployed model (the student of a
            distillation config) with :func:`cmkd_mm.benchmark.benchmark_inference.profile_model`,
            e.g. ``dict(shape=(256, 256), iters=5, onnx=False)``: parameters, FLOPs and
            latency (ms) as the metrics ``profile/params``, ``profile/flops``,
            ``profile/eager_ms`` (and ``profile/ort_ms``) of the results table.
    """

    def __init__(self,
                 name: str,
                 config: Optional[str] = None,
                 inputs: Optional[Dict[str, str]] = None,
                 cfg_options: Optional[dict] = None,
                 extract_student: bool = False,
                 evaluate: Sequence[str] = (),
                 profile: Optional[dict] = None) -> None:
        super().__init__(name, inputs)
        if not config:
            raise ValueError(f'stage {name!r} names no config: a recipe inheriting a generic one '
                             f"(configs/recipes/pair_*.py) names each stage's config, e.g. "
                             f"stages = dict({name}=dict(config='configs/my_pair/{name}.py'))")
        self.config = config
        self.cfg_options = dict(cfg_options or {})
        self.extract_student = extract_student
        self.evaluate = tuple(evaluate)
        self.profile = dict(profile) if profile else None

    @property
    def outputs(self):
        return ('best', 'last', 'config') + (
            ('student', 'student_config') if self.extract_student else ())

    def summary(self) -> str:
        return f'Train {self.config}'

    def run(self, ctx, work_dir: str) -> Dict:
        cfg = ctx.stage_config(self.config, work_dir, self.cfg_options, self.name)
        resuming = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
        for key, ref in self.inputs.items():
            if key == 'load_from' and resuming:
                continue
            set_handover(cfg, key, ctx.resolve(ref))
        if cfg.model.get('teacher_cache') is not None:  # e.g. handed a CacheTeacher store
            enable_teacher_cache(cfg)
        cfg.resume = resuming
        if resuming:
            cfg.load_from = None
            print_log(f'{self.name}: resuming from {last_checkpoint(work_dir)}', logger='current')
        config_file = osp.join(work_dir, 'stage_config.py')
        cfg.dump(config_file)
        Runner.from_cfg(ctx.tracked(cfg, self)).train()  # tracked: logs to the stage's run
        outputs = dict(
            best=best_checkpoint(work_dir), last=last_checkpoint(work_dir), config=config_file)
        if self.extract_student:
            written = extract(config_file, outputs['best'], osp.join(work_dir, 'student.pth'))
            outputs['student'], outputs['student_config'] = written.checkpoint, written.config
            print_log(f'{self.name}: {written.describe()}', logger='current')
        metrics = evaluate_checkpoint(cfg, outputs['best'], self.evaluate) \
            if self.evaluate else {}
        if self.profile:
            metrics['profile'] = profile_stage(config_file, self.profile)
        return dict(outputs=outputs, metrics=metrics)


def profile_stage(config_file: str, options: dict) -> Dict[str, float]:
    """Parameters, FLOPs and latency of the model a stage deploys (a distillation config's
    student, else its model)."""
    from ...benchmark.benchmark_inference import inference_models, profile_model
    options = dict(options)
    shape = options.pop('shape', (256, 256))
    models = inference_models(config_file)
    model = models.get('student', models.get('model'))
    return {k: float(v) for k, v in profile_model(model, shape, **options).items()}
