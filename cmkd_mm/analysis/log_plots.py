"""Figures of training logs: curves of runs, and of a recipe's stages over its seeds.

The figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot, so no display
and no global state is needed); save them with :func:`save_figure`.
"""
import contextlib
import math
import os
import os.path as osp
from typing import List, Optional, Sequence

from .log_analysis import RunLog
from .recipe_logs import RecipeLogs, aggregate

SPREAD_NAMES = dict(minmax='min–max', std='± 1 std')


def style_context(style: Optional[str] = None):
    """A context with a matplotlib style: a style name (``'ggplot'``) or a seaborn one
    (``'whitegrid'`` -> ``'seaborn-v0_8-whitegrid'``, no seaborn needed); None: no style.

    Raises:
        ValueError: An unknown style (the message lists the known ones).
    """
    import matplotlib.style as mstyle
    if not style:
        return contextlib.nullcontext()
    for name in (style, f'seaborn-v0_8-{style}'):
        if name in mstyle.available:
            return mstyle.context(name)
    raise ValueError(f'unknown style {style!r}; known: {", ".join(sorted(mstyle.available))}')


def _axes(keys: Sequence[str], figure=None) -> List:
    """One subplot per key (two columns when several), in ``figure`` or a new Figure."""
    from matplotlib.figure import Figure
    cols = 1 if len(keys) == 1 else 2
    rows = math.ceil(len(keys) / cols)
    size = (7.0, 4.5) if cols == 1 else (12.0, 3.8 * rows + 0.6)
    if figure is None:
        figure = Figure(figsize=size, layout='constrained')
    else:
        figure.set_size_inches(*size)
        figure.set_layout_engine('constrained')
    axes = figure.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    return axes[:len(keys)]


def _finish(ax, key: str, names: set, xlabels: set) -> None:
    """Title (the logged name, when every run logs the key under one name), labels, grid."""
    name = names.pop() if len(names) == 1 else key
    ax.set_title(name, fontsize=11)
    ax.set_xlabel(' / '.join(sorted(xlabels)))
    ax.set_ylabel(name)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc='best')


def _marker(n: int) -> Optional[str]:
    return 'o' if n <= 30 else None


def plot_runs(runs: Sequence[RunLog],
              keys: Sequence[str],
              legend: Optional[Sequence[str]] = None,
              title: Optional[str] = None,
              style: Optional[str] = None,
              figure=None):
    """Curves of several runs: one subplot per key, one line per run.

    Args:
        runs (Sequence[RunLog]): The runs.
        keys (Sequence[str]): Scalars (see :meth:`RunLog.resolve`).
        legend (Sequence[str], optional): One label per run; default: the run names.
        title (str, optional): Figure title.
        style (str, optional): See :func:`style_context`.
        figure (Figure, optional): Draw into this figure (e.g. a pyplot one to show).

    Returns:
        Figure: The figure (``figure.axes[i].lines``: one Line2D per run).

    Raises:
        KeyError: A run has no such key.
        ValueError: ``legend`` does not have one label per run.
    """
    if legend is not None and len(legend) != len(runs):
        raise ValueError(f'{len(legend)} legend labels for {len(runs)} logs')
    labels = list(legend) if legend is not None else _unique([r.name for r in runs])
    with style_context(style):
        axes = _axes(keys, figure)
        for ax, key in zip(axes, keys):
            names, xlabels = set(), set()
            for run, label in zip(runs, labels):
                x, y, xlabel = run.curve(key)
                names.add(run.resolve(key))
                xlabels.add(xlabel)
                ax.plot(x, y, label=label, marker=_marker(len(x)), markersize=3, linewidth=1.5)
            _finish(ax, key, names, xlabels)
        fig = axes[0].figure
        if title:
            fig.suptitle(title)
    return fig


def plot_recipe(recipe: RecipeLogs,
                keys: Sequence[str],
                spread: str = 'minmax',
                title: Optional[str] = None,
                style: Optional[str] = None,
                figure=None):
    """One figure comparing a recipe's stages (teacher, baseline, students) over its seeds:
    per stage the mean curve over the random seeds, its spread shaded (with several seeds).

    Args:
        recipe (RecipeLogs): The recipe run (its stages and labels).
        keys (Sequence[str]): Scalars, resolved per stage (``decode.loss_ce`` finds a
            student's ``student.decode.loss_ce``).
        spread (str): ``'minmax'`` or ``'std'`` (see
            :func:`~cmkd_mm.analysis.recipe_logs.aggregate`).
        title (str, optional): Default: the recipe's report title, else its name; the random seeds
            and the spread are added.
        style (str, optional): See :func:`style_context`.
        figure (Figure, optional): Draw into this figure.

    Returns:
        Figure: The figure (per axis one Line2D per stage and, with several seeds, one
        PolyCollection per stage).
    """
    seeds = [s for s in recipe.seeds if s is not None]
    note = (f'mean over seeds {", ".join(map(str, seeds))}, shaded: {SPREAD_NAMES[spread]}'
            if len(seeds) > 1 else 'one run')
    with style_context(style):
        axes = _axes(keys, figure)
        for ax, key in zip(axes, keys):
            names, xlabels = set(), set()
            for i, stage in enumerate(recipe.stages):
                curves, xlabel = recipe.curves(stage, key)
                names.update(log.resolve(key) for log in recipe.logs[stage].values())
                xlabels.add(xlabel)
                x, mean, low, high = aggregate(curves, spread)
                n = len(curves)
                label = recipe.labels[stage] + (f' ({n} seed{"s" * (n > 1)})'
                                                if len(seeds) > 1 else '')
                color = f'C{i % 10}'
                ax.plot(
                    x,
                    mean,
                    label=label,
                    color=color,
                    marker=_marker(len(x)),
                    markersize=3,
                    linewidth=1.5)
                if n > 1:
                    ax.fill_between(x, low, high, color=color, alpha=0.2, linewidth=0)
            _finish(ax, key, names, xlabels)
        fig = axes[0].figure
        fig.suptitle(f'{title or recipe.report.get("title") or recipe.name}\n({note})', fontsize=11)
    return fig


def _unique(names: List[str]) -> List[str]:
    """Names made unique with a ``#<n>`` suffix."""
    out = []
    for i, name in enumerate(names):
        out.append(name if names.count(name) == 1 else f'{name} #{names[:i + 1].count(name)}')
    return out


def save_figure(fig, out: str, dpi: int = 110) -> str:
    """Save a figure (format from the suffix), making its folder; return the path."""
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
