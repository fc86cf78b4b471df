"""What a transform draws at random, declared by its class and judged from its arguments.

A transform whose output for one sample can change from one call to the next is random; the
teacher-output cache (:func:`cmkd_mm.datasets.pipeline_inspection.random_for`) refuses such a
transform on a teacher modality. Its ``prob`` alone does not tell: ``prob=1`` warps every
sample by a freshly drawn angle, while a transform that always does the same thing with
``prob=1`` is deterministic. A transform class therefore declares what it draws::

    class MultiModalRandomRotate(BaseTransform):
        random_draws = RandomDraws(prob='prob', ranges=('degree', ))

and :meth:`RandomDraws.is_random` decides from a config's arguments (its class's defaults for
those it leaves out).
"""
import inspect
from numbers import Number
from typing import Any, Dict, Mapping, Optional, Sequence


def call_arguments(cls: Optional[type], args: Mapping) -> Dict[str, Any]:
    """The arguments a transform is built with: ``args`` over the defaults of ``cls.__init__``.

    Args:
        cls (type, optional): The transform class (None: ``args`` alone).
        args (Mapping): The transform config (its ``type`` is left out).
    """
    values = {}
    if cls is not None:
        try:
            parameters = inspect.signature(cls.__init__).parameters.values()
        except (TypeError, ValueError):  # a builtin or C-implemented __init__
            parameters = ()
        values = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}
    values.update((k, v) for k, v in args.items() if k != 'type')
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def act_probability(value: Any) -> float:
    """The probability that a transform acts, from its ``prob`` argument: a number, a list of
    per-choice probabilities (their sum, as mmcv's ``RandomFlip`` reads it) or None (always).

    Args:
        value: The ``prob`` argument.
    """
    if value is None:
        return 1.
    if isinstance(value, (list, tuple)) and all(map(_is_number, value)):
        return float(sum(value))
    return float(value) if _is_number(value) else 1.


def range_width(value: Any) -> float:
    """The width of a range a value is drawn from: ``x`` is ``[-x, x]``, ``(a, b)`` is
    ``[a, b]``; None and anything else that is no range have width 0.

    Args:
        value: The argument holding the range.
    """
    if _is_number(value):
        return 2 * abs(float(value))
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(map(_is_number, value)):
        return abs(float(value[1]) - float(value[0]))
    return 0.


def choice_count(value: Any) -> int:
    """How many different values a choice argument draws from (a single value is one)."""
    if isinstance(value, (list, tuple)):
        return len({repr(v) for v in value})
    return 0 if value is None else 1


class RandomDraws:
    """What a transform draws at random each time it runs.

    A transform is random when whether it acts is drawn (``0 < p < 1``, ``p`` from ``prob``),
    or when it acts (``p > 0``) and acting draws something: a value from a range that is more
    than one point, one of several choices, or something no argument describes (``always``).
    ``prob=0`` never acts and is deterministic.

    Args:
        prob (str, optional): The argument holding the probability of acting (a number, or a
            list whose sum it is); None: the transform always acts.
        ranges (Sequence[str]): Arguments holding a range drawn from when acting: a number
            ``x`` is ``[-x, x]``, a pair ``(a, b)`` is ``[a, b]``.
        choices (Sequence[str]): Arguments holding values one of which is drawn when acting (a
            single value is no choice).
        always (bool): Acting draws something whatever the arguments (a crop position, a
            number of quarter turns).
    """

    def __init__(self,
                 prob: Optional[str] = None,
                 ranges: Sequence[str] = (),
                 choices: Sequence[str] = (),
                 always: bool = False) -> None:
        self.prob = prob
        self.ranges = tuple(ranges)
        self.choices = tuple(choices)
        self.always = always

    def draws_when_acting(self, args: Mapping) -> bool:
        """Whether acting draws something, given the transform's arguments."""
        return (self.always or any(range_width(args.get(name)) > 0 for name in self.ranges)
                or any(choice_count(args.get(name)) > 1 for name in self.choices))

    def is_random(self, args: Mapping) -> bool:
        """Whether a transform with these arguments is random (see the class docstring).

        Args:
            args (Mapping): Every argument of the transform (:func:`call_arguments`).
        """
        p = act_probability(args.get(self.prob)) if self.prob else 1.
        if p <= 0:
            return False
        return p < 1 or self.draws_when_acting(args)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob!r}, ranges={self.ranges}, '
                f'choices={self.choices}, always={self.always})')
