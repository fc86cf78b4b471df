"""The base of every recipe step: a name, named inputs taken from earlier stages, outputs."""
from typing import Dict, List, Tuple


def split_reference(ref: str) -> Tuple[str, str]:
    """``'teacher.best'`` -> ``('teacher', 'best')``.

    Args:
        ref (str): A hand-over reference ``<stage>.<output>``.
    """
    if not isinstance(ref, str) or '.' not in ref:
        raise ValueError(f'{ref!r} is not a hand-over reference <stage>.<output> '
                         "(e.g. 'teacher.best')")
    stage, output = ref.rsplit('.', 1)
    return stage, output


class BaseStep:
    """One stage of a recipe.

    A step reads what it needs from earlier stages through ``inputs`` (``target -> '<stage>.
    <output>'``, never by position) and returns its outputs (paths, by name) and metrics.

    Args:
        name (str): Stage name; its work dir is ``<work_dir>/<name>``.
        inputs (dict, optional): ``target -> '<stage>.<output>'``; what a target means is up to
            the step (a config key for ``Train``, an argument for ``Evaluate``).
    """
    #: Names of the outputs this kind of step produces.
    OUTPUTS: Tuple[str, ...] = ()
    #: Run every time (idempotent preparation) instead of once with a resume marker.
    always_run: bool = False

    def __init__(self, name: str, inputs: Dict[str, str] = None) -> None:
        self.name = name
        self.inputs = dict(inputs or {})
        for ref in self.inputs.values():
            split_reference(ref)

    @property
    def outputs(self) -> Tuple[str, ...]:
        """The outputs later stages may refer to."""
        return self.OUTPUTS

    def references(self) -> List[str]:
        """Every ``<stage>.<output>`` this step reads."""
        return list(self.inputs.values())

    def summary(self) -> str:
        """What the step is, for the plan (the kind; a ``Train`` adds its config)."""
        return type(self).__name__

    def describe(self) -> str:
        """One line for the plan printed before a run: what the step is and what it takes."""
        takes = ', '.join(f'{k} <- {v}' for k, v in self.inputs.items())
        return self.summary() + (f' ({takes})' if takes else '')

    def run(self, ctx, work_dir: str) -> Dict:
        """Run the step.

        Args:
            ctx (RecipeContext): Settings of the run and the outputs of earlier stages.
            work_dir (str): This stage's work dir.

        Returns:
            dict: ``outputs`` (name -> value) and ``metrics`` (``{'val': {...}, 'test': {...}}``
            or ``{}``).
        """
        raise NotImplementedError
