"""The dataset check as a preparation stage: every split of the recipe's configs, before training.

A recipe for a new sensor pair starts with it, so a missing partner file, an unknown class or a
corrupt image stops the run before the first model trains, with every problem listed at once.
"""
from typing import Dict, List, Sequence

from mmengine.registry import init_default_scope

from ...dataset_check.check_dataset import check_split
from ..registry import RECIPE_STEPS
from .base import BaseStep

#: Problems printed in the error (all are in the log).
SHOWN = 10


@RECIPE_STEPS.register_module()
class CheckDataset(BaseStep):
    """Check every split the training stages read; refuse to train when any sample is bad.

    The splits are those of the recipe's stage configs (``stages.<name>.config``) as the stages
    will load them (data root and options applied); a split several stages share is checked
    once. Each sample runs through the loading part of its pipeline (``check_dataset.py``).

    Args:
        name (str): Stage name.
        phases (Sequence[str]): Splits to check. Defaults to ``('train', 'val', 'test')``.
        configs (Sequence[str], optional): Configs whose splits to check. Default: every stage
            config of the recipe.
        workers (int): Data loading processes. Defaults to 0.
    """
    OUTPUTS = ('samples', )

    def __init__(self,
                 name: str,
                 phases: Sequence[str] = ('train', 'val', 'test'),
                 configs: Sequence[str] = None,
                 workers: int = 0) -> None:
        super().__init__(name)
        self.phases = tuple(phases)
        self.configs = list(configs) if configs else None
        self.workers = workers

    def stage_configs(self, ctx) -> List[tuple]:
        """``(name, config, options)`` of every config to check."""
        if self.configs is not None:
            return [(self.name, c, None) for c in self.configs]
        stages = ctx.recipe.get('stages') or {}
        return [(n, s['config'], s.get('cfg_options')) for n, s in stages.items()
                if isinstance(s, dict) and s.get('config')]

    def run(self, ctx, work_dir: str) -> Dict:
        seen, counts, problems = set(), {}, []
        for stage, config, options in self.stage_configs(ctx):
            cfg = ctx.stage_config(config, work_dir, options, stage)
            init_default_scope(cfg.get('default_scope', 'mmengine'))
            for phase in self.phases:
                loader = cfg.get(f'{phase}_dataloader')
                if not loader:
                    continue
                key = repr(loader.dataset.to_dict())
                if key in seen:
                    continue
                seen.add(key)
                result = check_split(loader.dataset, self.workers, progress=False)
                counts[f'{stage}/{phase}'] = result['samples']
                problems += [(f'{config} {phase}', p) for p in result['problems']]
        if problems:
            lines = [
                f'{where}: ' + ('' if p['index'] is None else f'sample {p["index"]}: ') +
                p['reason'] for where, p in problems[:SHOWN]
            ]
            more = f'\n... and {len(problems) - SHOWN} more' if len(problems) > SHOWN else ''
            raise ValueError(f'{self.name}: {len(problems)} problem(s) in the data; no stage was '
                             f'trained. Fix them (python tools/misc/check_dataset.py CONFIG lists '
                             f'them all) and run the recipe again:\n' + '\n'.join(lines) + more)
        return dict(outputs=dict(samples=counts), metrics={})
