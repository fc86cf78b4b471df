"""Sensor-failure evaluation: a multi-sensor model with one sensor failed, and the student.

``tools/analysis_tools/modality_dropout.py`` is the command line. :func:`evaluate_with_failure`
tests a model on its config's test split (``test_dataloader`` / ``test_evaluator``, as
``tools/test.py`` does) with ``model.data_preprocessor.failure`` set, so that one sensor is
missing or degraded (:mod:`cmkd_mm.models.data_preprocessors.modality_failure` defines the modes
``zero``, ``mean`` and ``noise``). :func:`compare` puts the model with all its sensors, the model
with the sensor failed in each mode and the single-sensor student side by side;
:func:`failure_table` writes that as markdown.

The model evaluated is the one ``tools/test.py`` evaluates: for a distillation config
(``CrossModalDistill``: ``model.architecture`` / ``model.teacher``) that is the deployed
student on its view, not the teacher. A sensor that only the teacher of a distillation config
reads is refused (the results would not change); evaluate the teacher with its own config and
checkpoint (the one given as ``teacher_ckpt``). A distillation config and checkpoint are fine as
the *student* of :func:`compare`.

Every checkpoint must fit its model (each weight, with its shape) before anything is tested:
mmengine's Runner loads what fits and warns, which would print a full table for a model with
random weights where its checkpoint did not fit.
"""
import itertools
import json
import os.path as osp
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.config import Config

from ..models.data_preprocessors.modality_failure import FAILURE_MODES, sensor_modalities
from ..utils.checkpoint import read_checkpoint, state_dict_of
from ..utils.config import (PREPROCESSOR, ConfigLike, config_name, is_distillation,
                            is_multimodal_preprocessor, load_config, type_name)
from ..utils.evaluation_config import drop_early_stopping
from ..utils.metrics import scalar_metrics
from ..utils.tables import markdown_table
from .split_identity import split_differences

INTACT, STUDENT = 'intact', 'student'
_names = itertools.count()


def model_modalities(cfg: Config) -> Tuple[List[str], str]:
    """The modalities the evaluated model reads, in the preprocessor's order, and a phrase
    saying which model that is."""
    dp = cfg.model.get('data_preprocessor') or {}
    if not is_multimodal_preprocessor(dp):
        raise ValueError(f'a sensor can only fail in a {PREPROCESSOR}; the model\'s '
                         f'data_preprocessor is {dp.get("type")!r}')
    views = _views(cfg)
    order = list(dp.modalities)
    if is_distillation(cfg):
        view = cfg.model.get('student_view', 'student') if len(views) > 1 else next(iter(views))
        used, who = views[view], f'the deployed student of this distillation config (view "{view}")'
    else:
        used, who = [m for mods in views.values() for m in mods], 'the model'
    return [m for m in order if m in used], who


def teacher_modalities(cfg: Config) -> List[str]:
    """The modalities the teacher view(s) of a distillation config read."""
    views = _views(cfg)
    teacher = cfg.model.get('teacher') or {}
    names = [cfg.model.get('teacher_view', 'teacher')]
    if type_name(teacher) == 'TeacherGroup':
        names = [spec.get('view') or names[0] for spec in teacher.teachers.values()]
    return [m for v in names for m in views.get(v, [])]


def failure_config(cfg: Config,
                   drop: Union[str, Sequence[str]],
                   mode: str,
                   level: float = 1.0,
                   seed: int = 0) -> dict:
    """``model.data_preprocessor.failure`` for failing the sensor(s) ``drop`` in ``mode``.

    Raises:
        ValueError: ``mode`` is unknown, or the evaluated model does not read ``drop``.
    """
    if mode not in FAILURE_MODES:
        raise ValueError(f'unknown failure mode {mode!r}; use one of {FAILURE_MODES}')
    used, who = model_modalities(cfg)
    try:
        names = sensor_modalities(drop, used, f'the modalities {who} reads')
    except ValueError as e:
        hint = ''
        drops = [drop] if isinstance(drop, str) else list(drop)
        if is_distillation(cfg) and any(_reads(d, teacher_modalities(cfg)) for d in drops):
            ckpt = cfg.model.get('teacher_ckpt')
            hint = (' Only its teacher reads it: to evaluate the teacher with a failed sensor, '
                    "pass the teacher's own config and checkpoint" +
                    (f' ({ckpt})' if ckpt else '') +
                    ', and this distillation config and checkpoint as the student (--compare).')
        raise ValueError(f'{e}; failing a sensor the model does not read changes nothing.'
                         f'{hint}') from None
    return dict(modality=names, mode=mode, level=float(level), seed=int(seed))


def _reads(name: str, modalities) -> bool:
    try:
        sensor_modalities(name, list(modalities))
    except ValueError:
        return False
    return True


def check_checkpoint(cfg: Config, checkpoint: Optional[str], name: str) -> None:
    """Refuse a plain model's checkpoint with a distillation config and the other way round
    (``Runner`` would load none of its weights and test a random model)."""
    if not checkpoint or not osp.isfile(checkpoint):
        return  # a URL: run_test checks it
    state = state_dict_of(read_checkpoint(checkpoint))  # an unreadable file is named here
    distilled = any(str(k).startswith('architecture.') for k in state)
    if is_distillation(cfg) and not distilled:
        raise ValueError(f'{name} is a distillation config but {checkpoint} holds no '
                         '"architecture.*" weights: pass the config of that plain model')
    if distilled and not is_distillation(cfg):
        raise ValueError(f'{checkpoint} is a distillation checkpoint but {name} is a plain '
                         "model's config: pass the distillation config, or extract the student "
                         '(tools/model_converters/extract_student.py) and pass its config')


def build_test_cfg(config: ConfigLike,
                   checkpoint: str,
                   work_dir: str,
                   cfg_options: Optional[dict] = None,
                   failure: Optional[dict] = None) -> Config:
    """The config ``tools/test.py`` would run (``load_from``, ``work_dir``, no early stopping),
    with ``failure`` set on the model's data preprocessor."""
    cfg = load_config(config, cfg_options)
    cfg.launcher = 'none'
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.experiment_name = f'modality_dropout_{next(_names)}'  # a fresh logger/visualizer each
    drop_early_stopping(cfg)
    if failure is not None:
        model_modalities(cfg)  # a MultiModalDataPreprocessor
        cfg.model.data_preprocessor.failure = failure
    return cfg


def run_test(cfg: Config) -> dict:
    """``Runner.test()`` of the config (``runner_type`` honoured, like ``tools/test.py``), once
    its ``load_from`` checkpoint is known to fit the model the Runner built.

    Raises:
        CheckpointMismatchError: The checkpoint does not fit (nothing is tested).
    """
    from ..engine.runner import checked_runner
    return checked_runner(cfg).test()


def default_work_dir(config: ConfigLike) -> str:
    return osp.join('work_dirs', 'modality_dropout', config_name(config))


def evaluate_with_failure(config: ConfigLike,
                          checkpoint: str,
                          drop: Optional[Union[str, Sequence[str]]] = None,
                          mode: str = 'zero',
                          level: float = 1.0,
                          seed: int = 0,
                          work_dir: Optional[str] = None,
                          cfg_options: Optional[dict] = None) -> dict:
    """Test metrics of the model with the sensor(s) ``drop`` failed in ``mode``.

    Args:
        config (str | Config): The model's config; its test split is used.
        checkpoint (str): The model's checkpoint.
        drop (str | list[str], optional): Sensor(s) to fail, modality names or a sensor stored
            as numbered modalities (``'gated'``). None: all sensors intact.
        mode (str): ``'zero'``, ``'mean'`` or ``'noise'``.
        level (float): Noise sigma in units of the modality's std (``'noise'``).
        seed (int): Seed of the noise.
        work_dir (str, optional): Default ``work_dirs/modality_dropout/<config name>/<mode>``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        dict: The evaluator's metrics, as ``Runner.test()`` returns them.
    """
    cfg = load_config(config, cfg_options)
    failure = None if drop is None else failure_config(cfg, drop, mode, level, seed)
    check_checkpoint(cfg, checkpoint, config_name(config))
    work_dir = work_dir or osp.join(default_work_dir(config), INTACT if drop is None else mode)
    return run_test(build_test_cfg(cfg, checkpoint, work_dir, failure=failure))


def _inputs(modalities: Sequence[str], failed: Sequence[str] = (), mode: str = '') -> str:
    return ' + '.join(f'{m}[{mode}]' if m in failed else m for m in modalities)


def compare(config: ConfigLike,
            checkpoint: str,
            drop: Union[str, Sequence[str]],
            modes: Sequence[str] = ('zero', ),
            student: Optional[Tuple[ConfigLike, str]] = None,
            level: float = 1.0,
            seed: int = 0,
            metrics: Optional[Sequence[str]] = None,
            work_dir: Optional[str] = None,
            cfg_options: Optional[dict] = None,
            allow_different_data: bool = False) -> dict:
    """The model intact, with ``drop`` failed in each of ``modes``, and the student.

    Args:
        config, checkpoint: The multi-sensor model (e.g. the teacher).
        drop (str | list[str]): The sensor(s) to fail.
        modes (list[str]): Failure modes, one row each.
        student (tuple, optional): ``(config, checkpoint)`` of the single-sensor model (a plain
            model, or a distillation config and checkpoint: its deployed student). It must be
            tested on the same data (see :func:`split_differences`).
        level (float), seed (int): Of the ``noise`` mode.
        metrics (list[str], optional): Columns; default every scalar metric of the evaluator(s).
        work_dir (str, optional): Default ``work_dirs/modality_dropout/<config name>``; each row
            tests in a sub-folder.
        cfg_options (dict, optional): Overrides merged into both configs (e.g. the data root).
        allow_different_data (bool): Only warn when the student's test split differs.

    Returns:
        dict: ``rows`` (``name``, ``model``, ``inputs``, ``failure``, ``metrics``), ``columns``
        and the settings; :func:`failure_table` prints it.
    """
    modes = list(modes)
    if not modes:
        raise ValueError(f'give at least one failure mode ({FAILURE_MODES})')
    cfg = load_config(config, cfg_options)
    failures = OrderedDict((mode, failure_config(cfg, drop, mode, level, seed)) for mode in modes)
    failed = next(iter(failures.values()))['modality']
    used, _ = model_modalities(cfg)
    work_dir = work_dir or default_work_dir(config)

    student_cfg = None
    if student is not None:
        student_cfg = load_config(student[0], cfg_options)
        diff = split_differences(cfg, student_cfg)
        if diff:
            msg = ('the student is not tested on the same data as the model: ' + '; '.join(diff))
            if not allow_different_data:
                raise ValueError(msg + ' (allow_different_data / --allow-different-data to '
                                 'compare anyway)')
            warnings.warn(msg)
        student_used = model_modalities(student_cfg)[0] if is_multimodal_preprocessor(
            student_cfg.model.get('data_preprocessor')) else []
        if set(student_used) & set(failed):
            warnings.warn(f'the student reads the failed sensor {failed}: it is tested with all '
                          'its sensors intact')

    check_checkpoint(cfg, checkpoint, config_name(config))
    if student is not None:
        check_checkpoint(student_cfg, student[1], config_name(student[0]))
    rows = [
        dict(
            name=INTACT,
            model=config_name(config),
            inputs=_inputs(used),
            failure=None,
            metrics=run_test(build_test_cfg(cfg, checkpoint, osp.join(work_dir, INTACT))))
    ]
    for mode, failure in failures.items():
        rows.append(
            dict(
                name=mode,
                model=config_name(config),
                inputs=_inputs(used, failed, mode if mode != 'noise' else f'noise x{level:g}'),
                failure=failure,
                metrics=run_test(
                    build_test_cfg(cfg, checkpoint, osp.join(work_dir, mode), failure=failure))))
    if student is not None:
        rows.append(
            dict(
                name=STUDENT,
                model=config_name(student[0]),
                inputs=_inputs(student_used) or '-',
                failure=None,
                metrics=run_test(
                    build_test_cfg(student_cfg, student[1], osp.join(work_dir, STUDENT)))))
    for row in rows:
        row['metrics'] = scalar_metrics(row['metrics'])
        if not row['metrics']:
            warnings.warn(f'row "{row["name"]}" ({row["model"]}): the test evaluator gave no '
                          'scalar metric (a test split without labels? e.g. MAVOC 2021: '
                          '--cfg-options test_dataloader.dataset.label_file=test_labels.csv)')
    available = list(OrderedDict.fromkeys(k for row in rows for k in row['metrics']))
    if metrics:
        unknown = [m for m in metrics if m not in available]
        if unknown:
            raise ValueError(f'metrics {unknown} are not among the test metrics: {available}')
        columns = list(metrics)
    else:
        columns = available
    return dict(
        config=config_name(config),
        checkpoint=checkpoint,
        drop=failed,
        modes=modes,
        level=float(level),
        seed=int(seed),
        student=None if student is None else dict(
            config=config_name(student[0]), checkpoint=student[1]),
        columns=columns,
        rows=rows)


def _views(cfg: Config) -> Dict[str, List[str]]:
    """``view -> modalities`` of the config's ``MultiModalDataPreprocessor``."""
    views = cfg.model.data_preprocessor.views
    return {v: [m] if isinstance(m, str) else list(m) for v, m in views.items()}


def _number(value: float) -> str:
    return f'{value:.4f}' if abs(value) < 10 else f'{value:.2f}'  # mAP 0-1, mIoU in %


def failure_table(result: dict) -> str:
    """The rows of :func:`compare` as a markdown table (``-``: the row has no such metric)."""
    columns = result['columns']
    rows = [[row['name'], row['model'], row['inputs']] +
            [_number(row['metrics'][c]) if c in row['metrics'] else '-' for c in columns]
            for row in result['rows']]
    return markdown_table(['row', 'model', 'inputs'] + columns, rows,
                          ['l'] * 3 + ['r'] * len(columns))


def dump_result(result: dict, path: str) -> None:
    """Write :func:`compare`'s numbers as JSON."""
    with open(path, 'w') as f:
        json.dump(result, f, indent=2)
