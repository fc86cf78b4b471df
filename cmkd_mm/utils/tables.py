"""Markdown tables, as every tool prints its results."""
from typing import Iterable, Optional, Sequence


def markdown_table(head: Sequence[str],
                   rows: Iterable[Sequence[str]],
                   align: Optional[Sequence[str]] = None) -> str:
    """A markdown table: the header, the separator and a line per row.

    Args:
        head (Sequence[str]): Column titles.
        rows (Iterable[Sequence[str]]): The cells of each row, as text.
        align (Sequence[str], optional): ``'l'`` (default) or ``'r'`` per column.
    """
    align = align or ['l'] * len(head)
    lines = [
        '| ' + ' | '.join(head) + ' |',
        '|' + '|'.join('---:' if a == 'r' else '---' for a in align) + '|'
    ]
    lines += ['| ' + ' | '.join(cells) + ' |' for cells in rows]
    return '\n'.join(lines)
