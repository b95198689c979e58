"""The audit reads the follow-up tables' values: a hidden one is attacked, not refused as unread."""

from __future__ import annotations

import pytest

from helpers import export_fixture_warehouse
from indicators.audit import audit
from indicators.export import export


@pytest.mark.parametrize(
    ("kind", "lang"), [("midterm", "sv"), ("midterm", "en"), ("final", "sv"), ("final", "en")]
)
def test_a_hidden_followup_value_is_read(tmp_path, kind, lang):
    """The fixture's I06 2023/24 (2 participations, primary: 1..4 and no sum, so no secondary) followed
    up in 2023/24. The mid-term table's value ("Värde vid halvtid", "Mid-term value") has the words of
    the final table's mid-term value, so the audit took it for that and never read it; the final
    table's value ("Slutvärde") it did not read at all: each export was refused, "1 of its 3 hidden
    cells were not read" (the value; its change and change in % repeat it; the final table: "1 of its
    2"). Read, I06 2023/24 keeps
    1..4, as the rule alone gives it: the audit passes."""
    path = export_fixture_warehouse(
        tmp_path,
        "insert into marts.midterm_followup (indicator_id, baseline_year, baseline_value, followup_year, "
        "followup_value, change_abs, change_pct, status, progress, sort_order) values "
        "('I06', '2018/19', 7, '2023/24', 2, -5, -71.43, 'not_met', 'deterioration', 6)",
        "insert into marts.final_followup values ('P', 'I06', '2021/22', '2023/24', -5, null, 'not_met', "
        "'deterioration', null, 6)",
    )
    out = tmp_path / "out"
    export(path, out, "2023/24", kind=kind, lang=lang, charts=False)
    result = audit(out)
    assert result.unread == []
    assert result.ok, result.format()
    hidden = [
        (finding.interval, finding.protected)
        for finding in result.findings
        if (finding.indicator_id, finding.academic_year, finding.programme_code) == ("I06", "2023/24", None)
    ]
    assert hidden == [((1, 4), True)]
