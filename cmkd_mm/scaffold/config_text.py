"""The text of a pair's configs: its data config, one leaf per method and its recipe."""
import os.path as osp
import textwrap
from typing import Dict, List, Optional, Sequence

from ..utils.config_paths import package_roots
from .method_table import Method, MethodFamily
from .pair_reader import PairData

TASK_WORDS = dict(det='detection', seg='segmentation', cls='classification')
ROLES = dict(teacher='Teacher', baseline='Baseline', student='Distilled student')


class Code(str):
    """Python source written as is (a variable name, an expression)."""


def render(value) -> str:
    """``value`` as config source: dicts with name keys as ``dict(...)``, ``Code`` as is."""
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, dict):
        if all(isinstance(k, str) and k.isidentifier() for k in value):
            return 'dict(' + ', '.join(f'{k}={render(v)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{render(k)}: {render(v)}' for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(render(v) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(render(v) for v in value) + (', )' if len(value) == 1 else ')')
    return repr(value)


def format_source(text: str) -> str:
    """``text`` laid out by yapf in the repository's style when yapf is installed (the configs
    then pass ``tools/lint.sh``), else as written."""
    try:
        from yapf.yapflib.yapf_api import FormatCode
    except ImportError:
        return text
    style = next((osp.join(r, 'setup.cfg')
                  for r in package_roots() if osp.isfile(osp.join(r, 'setup.cfg'))), None)
    style = style or "{based_on_style: pep8, column_limit: 100}"
    return FormatCode(text, style_config=style)[0]


def configs_dir() -> str:
    """The ``configs/`` folder the package uses (the checkout's, else the installed copy)."""
    for root in package_roots():
        if osp.isdir(osp.join(root, 'configs')):
            return osp.join(root, 'configs')
    raise FileNotFoundError(f'no configs/ folder in {package_roots()}')


def config_reference(path: str, from_dir: str) -> str:
    """How a config in ``from_dir`` names the config ``path``: a relative path when both lie in
    the checkout that holds ``configs/``, else the absolute path (mmengine finds no
    ``cmkd_mm::`` configs: it reads ``package::`` paths of the OpenMMLab libraries only)."""
    path, from_dir = osp.abspath(path), osp.abspath(from_dir)
    project = osp.dirname(configs_dir())
    inside = all(osp.commonpath([p, project]) == project for p in (path, from_dir))
    return osp.relpath(path, from_dir) if inside else path


def cwd_path(path: str) -> str:
    """``path`` relative to the current folder when under it (as commands are typed), else
    absolute."""
    rel = osp.relpath(osp.abspath(path))
    return osp.abspath(path) if rel.startswith('..') else rel


def comment(lines: Sequence[str], width: int = 100) -> List[str]:
    """``lines`` as comment lines, wrapped at ``width`` (continuations of an indented line
    indented further)."""
    out = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        out += textwrap.wrap(
            line.lstrip(),
            width - 2,
            initial_indent='# ' + ' ' * indent,
            subsequent_indent='# ' + ' ' * (indent + 2 if indent else 0),
            break_long_words=False,
            break_on_hyphens=False)
    return out


def modalities_field(names: Sequence[str]) -> str:
    """The modalities field of a config name (``rgb-ir``)."""
    return '-'.join(names)


def leaf_name(method: Method, teacher: Sequence[str], student: Sequence[str], name: str) -> str:
    """``{method}_{model}_{modalities}_{dataset}.py`` (docs/config_names.md)."""
    if method.role == 'teacher':
        mods = modalities_field(teacher)
    elif method.role == 'baseline':
        mods = modalities_field(student)
    else:
        mods = modalities_field(teacher) + '-to-' + modalities_field(student)
    return f'{method.method}_{method.model}_{mods}_{name}.py'


def _dataset(data: PairData, split: str, pipeline: str, test_mode: bool) -> dict:
    args = dict(type=Code('dataset_type'), data_root=Code('data_root'))
    args.update(data.datasets[split])
    args['metainfo'] = dict(classes=Code('classes'))
    if data.task == 'det' and not test_mode:
        args['filter_cfg'] = dict(filter_empty_gt=True)
    if test_mode:
        args['test_mode'] = True
    args['pipeline'] = Code(pipeline)
    return args


LOADERS = dict(
    det=(dict(batch_size=4, num_workers=2), dict(batch_size=1, num_workers=2)),
    seg=(dict(batch_size=2, num_workers=2), dict(batch_size=1, num_workers=2)),
    cls=(dict(batch_size=64, num_workers=2), dict(batch_size=64, num_workers=2)))
PACKERS = dict(det='mmdet.PackDetInputs', seg='mmseg.PackSegInputs', cls='mmpretrain.PackInputs')


def _pipelines(data: PairData, family: MethodFamily) -> List[str]:
    load = dict(type='LoadModalities', modalities='pair:modalities')
    if data.same_size and len(data.modalities) > 1:
        load['same_size'] = True
    pack = dict(type='PackMultiModalInputs', packer=dict(type=PACKERS[data.task]))
    flip = dict(type='MultiModalRandomFlip', prob=0.5)
    lines = []
    if data.task == 'det':
        resize = dict(type='MultiModalResize', scale=Code('input_size'), keep_ratio=True)
        labels = [dict(type='mmdet.LoadAnnotations', with_bbox=True)]
        train = [load] + labels + [resize, flip, pack]
        test_pack = pack
        if not data.evaluator_files:
            test_pack = dict(pack, packer=dict(type=PACKERS['det'], meta_keys=Code('meta_keys')))
        test = [load] + labels + [resize, test_pack]
        lines += [f'input_size = {render(tuple(data.input_size))}  # (w, h), kept in ratio']
        if not data.evaluator_files:
            lines += [
                '# The test samples carry their boxes (instances) to the COCO metric, which then '
                'needs no json.',
                "meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', "
                "'flip', 'flip_direction', 'instances')"
            ]
    elif data.task == 'seg':
        labels = [
            dict(type='LoadSegLabels'),
            dict(type='CheckSegLabels', num_classes='pair:num_classes')
        ]
        edges = [dict(type='GenerateEdgeLabels', radius=2, scale=0.25)
                 ] if family.edge_labels else []
        train = [load] + labels + edges + [flip, pack]
        test = [load] + labels + [pack]
    else:
        resize = dict(type='MultiModalResize', modality_scales=Code('chip_size'))
        train = [load, resize, flip, pack]
        test = [load, resize, pack]
        lines += [f'chip_size = {render(data.chip_size)}  # (w, h) of each modality\'s chips']
    lines += [f'train_pipeline = {render(train)}', f'test_pipeline = {render(test)}']
    return lines


def _evaluator(data: PairData, split: str) -> dict:
    if data.task == 'det':
        metric = dict(type='mmdet.CocoMetric', metric='bbox')
        if split in data.evaluator_files:
            metric = dict(
                type='mmdet.CocoMetric',
                ann_file=Code(f'data_root + {data.evaluator_files[split]!r}'),
                metric='bbox')
        return metric
    if data.task == 'seg':
        return dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
    return dict(type='mmpretrain.Accuracy', topk=(1, ))


def data_config_text(data: PairData, name: str, data_root: str, teacher: Sequence[str],
                     student: Sequence[str], family: MethodFamily) -> str:
    """The pair's data config: the pair declaration, pipelines, dataloaders and evaluators.

    Args:
        data (PairData): What the data folder holds.
        name (str): The dataset's name (the configs' dataset field).
        data_root (str): The data root as the configs write it.
        teacher (Sequence[str]): The teacher's modalities.
        student (Sequence[str]): The student's modalities.
        family (MethodFamily): The methods the configs train (a family may need pipeline steps).
    """
    splits = data.splits
    split_line = ', '.join(f'{role} = {split} ({data.samples[split]} samples)'
                           for role, split in splits.items())
    head = comment([
        f'{name}: {" + ".join(teacher)} -> {" + ".join(student)} {TASK_WORDS[data.task]}, as '
        f'tools/misc/new_pair.py read {data_root}:'
    ] + [f'  {line}' for line in data.found] + [f'  splits: {split_line}'] +
                   [f'  {line}' for line in data.notes])
    lines = head + [
        '# The pair, declared once: every modality field of the method configs derives from '
        'these names.',
        f'modalities = {render(data.modalities)}',
        f'teacher_modalities = {render(list(teacher))}',
        f'student_modalities = {render(list(student))}',
        "modality_stats = 'auto'  # measured on the training set before training",
        f'classes = {render(tuple(data.classes))}',
        '',
        f'dataset_type = {data.dataset_type!r}',
        f'data_root = {data_root!r}',
    ]
    lines += _pipelines(data, family)
    train_loader, test_loader = LOADERS[data.task]
    loaders = dict(
        train=dict(
            train_loader,
            persistent_workers=True,
            sampler=dict(type='DefaultSampler', shuffle=True),
            **(dict(batch_sampler=dict(
                type='mmdet.AspectRatioBatchSampler')) if data.task == 'det' else {}),
            dataset=_dataset(data, splits['train'], 'train_pipeline', False)))
    for role in ('val', 'test'):
        loaders[role] = dict(
            test_loader,
            persistent_workers=True,
            drop_last=False,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=_dataset(data, splits[role], 'test_pipeline', True))
    lines += [
        f'train_dataloader = {render(loaders["train"])}',
        f'val_dataloader = {render(loaders["val"])}',
        'test_dataloader = val_dataloader'
        if splits['test'] == splits['val'] else f'test_dataloader = {render(loaders["test"])}',
        f'val_evaluator = {render(_evaluator(data, splits["val"]))}',
        'test_evaluator = val_evaluator' if splits['test'] == splits['val'] else
        f'test_evaluator = {render(_evaluator(data, splits["test"]))}',
    ]
    return format_source('\n'.join(lines) + '\n')


def leaf_text(method: Method,
              base_refs: Sequence[str],
              teacher: Sequence[str],
              student: Sequence[str],
              epochs: Optional[int] = None) -> str:
    """A method's config: its bases by name (method, the pair's data config, the schedule)."""
    what = dict(
        teacher=f'{ROLES["teacher"]} on {" + ".join(teacher)}',
        baseline=f'{ROLES["baseline"]} on {" + ".join(student)}, no distillation',
        student=f'{method.label}: the {" + ".join(student)} student taught by the '
        f'{" + ".join(teacher)} teacher (--cfg-options model.teacher_ckpt=<the teacher\'s '
        'checkpoint>; the recipe hands it over)')[method.role]
    lines = comment([what]) + [f'_base_ = {render(list(base_refs))}']
    if epochs is not None:
        lines.append(f'train_cfg = dict(max_epochs={int(epochs)})')
    return format_source('\n'.join(lines) + '\n')


def stage_names(family: MethodFamily, generic: bool) -> List[str]:
    """The recipe's stage of each method: ``teacher``, ``baseline``, then ``student`` for the
    first student when the generic recipe names it so, else the method (``cmkd_adv``)."""
    names, student_named = [], False
    for method in family.methods:
        if method.role != 'student':
            names.append(method.role)
        elif generic and not student_named:
            names.append('student')
            student_named = True
        else:
            names.append(method.method.replace('-', '_'))
    return names


def recipe_text(family: MethodFamily, configs: Dict[str, str], stages: Sequence[str],
                generic_ref: Optional[str], data_root: str, title: str, command: str,
                teacher: Sequence[str], student: Sequence[str]) -> str:
    """The pair's recipe: the generic recipe of the task with the pair's configs, or (without
    one) the whole recipe: check the data, teacher, baseline, students, evaluation.

    Args:
        family (MethodFamily): The methods.
        configs (dict): ``stage -> config path`` (as ``run_recipe.py`` finds it).
        stages (Sequence[str]): The stage names, in the order of ``family.methods``.
        generic_ref (str, optional): The generic recipe, as this recipe names it.
        data_root (str): The data root.
        title (str): The report's title.
        command (str): The command that runs it (for the header).
        teacher (Sequence[str]): The teacher's modalities.
        student (Sequence[str]): The student's modalities.
    """
    rows = {}
    for stage, method in zip(stages, family.methods):
        mods = teacher if method.role == 'teacher' else student
        rows[stage] = f'{method.label} ({" + ".join(mods)})'
    handover = {'model.teacher_ckpt': 'teacher.best'}
    lines = comment([
        'Check the data, then train the teacher, the baseline and the distilled students '
        '(each taught by the teacher\'s best checkpoint); each is tested with its best '
        'checkpoint and the students are also written as plain models.', f'  {command}'
    ])
    stage_cfgs = {}
    for stage, method in zip(stages, family.methods):
        if generic_ref and stage in ('teacher', 'baseline', 'student'):
            stage_cfgs[stage] = dict(config=configs[stage])
        else:
            stage_cfgs[stage] = dict(type='Train', config=configs[stage])
            if method.role == 'student':
                stage_cfgs[stage].update(inputs=handover, extract_student=True)
            stage_cfgs[stage]['evaluate'] = ['val', 'test']
    columns = [
        dict(label=f'{split} {family.metric_label}', split=split, metric=family.metric)
        for split in ('val', 'test')
    ]
    if family.scale != 1:
        columns = [dict(c, scale=family.scale) for c in columns]
    report = dict(title=title, rows=rows)
    if generic_ref:
        lines += [f'_base_ = {render([generic_ref])}']
    else:
        lines += ["prepare = dict(check=dict(type='CheckDataset'))"]
        report.update(columns=columns, time=True)
    lines += [
        f'data_root = {data_root!r}', f'stages = {render(stage_cfgs)}', f'report = {render(report)}'
    ]
    return format_source('\n'.join(lines) + '\n')
