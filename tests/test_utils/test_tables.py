"""cmkd_mm.utils.tables: the markdown table every tool prints."""
from cmkd_mm.utils.tables import markdown_table


def test_markdown_table_lines_and_alignment():
    table = markdown_table(['a', 'b'], [['1', 'x'], ['2', '']], ['l', 'r'])
    assert table.splitlines() == ['| a | b |', '|---|---:|', '| 1 | x |', '| 2 |  |']
    assert markdown_table(['only'], []) == '| only |\n|---|'
