"""Analysis of training runs: json scalar logs, curves and training time, per run or over a
recipe's stages and seeds (``tools/analysis_tools/analyze_logs.py``)."""
from .log_analysis import RunLog, find_logs, format_train_time, load_run, read_json_log, train_time
from .log_plots import plot_recipe, plot_runs, save_figure, style_context
from .recipe_logs import RecipeLogs, aggregate, find_seed_runs, recipe_time_table

__all__ = [
    'RunLog', 'find_logs', 'format_train_time', 'load_run', 'read_json_log', 'train_time',
    'plot_recipe', 'plot_runs', 'save_figure', 'style_context', 'RecipeLogs', 'aggregate',
    'find_seed_runs', 'recipe_time_table'
]
