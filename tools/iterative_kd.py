"""Iterative cross-modal KD (NTIRE 2021 MAVOC method 2): roles alternate, one command, resumable.

Each iteration ``i`` runs two distillation steps, each a normal training run of a config:

1. **EO step** (``eo_config``): the EO student starts from ``EO_{i-1}`` and learns from the frozen
   SAR teacher ``SAR_{i-1}``;
2. **SAR step** (``sar_config``): the SAR student starts from ``SAR_{i-1}`` and learns from the
   frozen EO teacher ``EO_i`` that step 1 just produced.

``EO_{-1}`` and ``SAR_{-1}`` are the pre-trained single-modality models (``--pre-eo``,
``--pre-sar``). The learning rate of iteration ``i`` is ``lr * lr_decay ** i`` (the seed: 0.01 and
0.5). After each step the best validation checkpoint becomes a plain classifier checkpoint
(``student.pth``, as ``tools/model_converters/extract_student.py`` writes it), which the next
steps load as teacher or as starting point.

Resuming: a step whose work dir holds ``step_done.json`` is skipped; a step that stopped midway
resumes from its last checkpoint. Run the same command again after an interruption.

Example::

    python tools/iterative_kd.py configs/classification/kd2_eo-step_mavoc2021.py \\
        configs/classification/kd2_sar-step_mavoc2021.py \\
        --pre-eo work_dirs/baseline_resnet34_eo_mavoc2021/best.pth \\
        --pre-sar work_dirs/baseline_resnet34_sar_mavoc2021/best.pth --work-dir work_dirs/kd2
"""
import argparse
import os.path as osp
from typing import Callable, Dict, List, Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import cmkd_mm  # noqa: F401
from cmkd_mm.utils import best_checkpoint, load_tool, run_stage



def plan(iterations: int, pre_eo: str, pre_sar: str) -> List[Dict[str, str]]:
    """The steps of the chain: name, role, teacher and student starting checkpoints.

    Checkpoints produced by the chain are named by their step (``iter{i}_{role}``).
    """
    steps = []
    eo, sar = pre_eo, pre_sar
    for i in range(iterations):
        steps.append(dict(name=f'iter{i}_eo', role='eo', iteration=i, teacher=sar, student=eo))
        eo = f'iter{i}_eo'
        steps.append(dict(name=f'iter{i}_sar', role='sar', iteration=i, teacher=eo, student=sar))
        sar = f'iter{i}_sar'
    return steps


def step_config(config: str, work_dir: str, teacher: str, student: str, lr: float,
                cfg_options: Optional[dict] = None) -> Config:
    """The config of one step: its teacher, its student's start and its learning rate."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir
    cfg.model.teacher_ckpt = teacher
    cfg.model.architecture.init_cfg = dict(type='Pretrained', checkpoint=student)
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.resume = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    return cfg


def run_chain(eo_config: str,
              sar_config: str,
              pre_eo: str,
              pre_sar: str,
              work_dir: str,
              iterations: int = 5,
              lr: float = 0.01,
              lr_decay: float = 0.5,
              cfg_options: Optional[dict] = None,
              train: Optional[Callable[[Config], None]] = None) -> List[dict]:
    """Run (or resume) the whole chain; return one record per step.

    Args:
        eo_config (str): Distillation config with the EO student and the SAR teacher.
        sar_config (str): Distillation config with the SAR student and the EO teacher.
        pre_eo (str): Plain EO classifier checkpoint (iteration -1).
        pre_sar (str): Plain SAR classifier checkpoint (iteration -1).
        work_dir (str): Root of the step work dirs (``<work_dir>/iter{i}_{eo|sar}``).
        iterations (int): Number of (EO, SAR) iterations. The seed: 5.
        lr (float): Learning rate of iteration 0.
        lr_decay (float): Factor per iteration.
        cfg_options (dict, optional): Options merged into both configs.
        train (callable, optional): ``train(cfg)``; default builds a Runner and trains.
    """
    for ckpt in (pre_eo, pre_sar):
        if not osp.isfile(ckpt):
            raise FileNotFoundError(f'{ckpt}: pre-trained checkpoint not found; train the '
                                    'single-modality baselines first (see docs/classification.md)')
    train = train or (lambda cfg: Runner.from_cfg(cfg).train())
    extract = load_tool('model_converters/extract_student.py').extract_student
    produced: Dict[str, str] = {}
    records = []
    for step in plan(iterations, pre_eo, pre_sar):
        step_dir = osp.join(work_dir, step['name'])

        def train_step(step=step, step_dir=step_dir) -> Dict:
            teacher = produced.get(step['teacher'], step['teacher'])
            student = produced.get(step['student'], step['student'])
            config = eo_config if step['role'] == 'eo' else sar_config
            cfg = step_config(config, step_dir, teacher, student,
                              lr * lr_decay**step['iteration'], cfg_options)
            print_log(f'{step["name"]}: teacher {teacher}, student from {student}, '
                      f'lr {cfg.optim_wrapper.optimizer.lr:g}', logger='current')
            train(cfg)
            best = best_checkpoint(step_dir)
            out, _ = extract(config, best, osp.join(step_dir, 'student.pth'))
            return dict(step, teacher=teacher, student_init=student, best=best, student=out)

        record = run_stage(step['name'], step_dir, train_step, marker='step_done.json')
        produced[step['name']] = record['student']
        records.append(record)
    return records


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Iterative cross-modal KD chain (resumable)')
    parser.add_argument('eo_config', help='config of the EO step (EO student, SAR teacher)')
    parser.add_argument('sar_config', help='config of the SAR step (SAR student, EO teacher)')
    parser.add_argument('--pre-eo', required=True, help='pre-trained EO classifier checkpoint')
    parser.add_argument('--pre-sar', required=True, help='pre-trained SAR classifier checkpoint')
    parser.add_argument('--work-dir', default='work_dirs/iterative_kd')
    parser.add_argument('--iterations', type=int, default=5)
    parser.add_argument('--lr', type=float, default=0.01, help='learning rate of iteration 0')
    parser.add_argument('--lr-decay', type=float, default=0.5, help='lr factor per iteration')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='options merged into both step configs')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    records = run_chain(args.eo_config, args.sar_config, args.pre_eo, args.pre_sar,
                        args.work_dir, args.iterations, args.lr, args.lr_decay, args.cfg_options)
    print(f'\n| {"step":<10} | {"best checkpoint":<60} |')
    for r in records:
        print(f'| {r["name"]:<10} | {osp.relpath(r["best"]):<60} |')
    print(f'\nfinal EO student: {records[-2]["student"]}')


if __name__ == '__main__':
    main()
