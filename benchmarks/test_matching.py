"""The pure matching core: ``matching.engine.match_lines`` on 2,000 lines against 5,000 open invoices."""
from __future__ import annotations

from typing import Any

from benchmarks.data import matching_case
from matching.engine import match_lines


def test_match_2k_lines_5k_invoices(benchmark: Any) -> None:
    case = matching_case(n_lines=2_000, n_customers=500)
    assert len(case.invoices) == 5_000 and len(case.customers) == 500
    decisions = benchmark.pedantic(match_lines, args=(case.lines, case.invoices, case.customers),
                                   rounds=5, iterations=1)
    assert len(decisions) == 2_000
    by_line = {d.line_id: d for d in decisions}
    for line_id, invoice_ids in case.expected_auto.items():
        d = by_line[line_id]
        assert d.kind == "auto" and {p.invoice_id for p in d.allocations} == invoice_ids, (line_id, d.reasons)
    for line_id, invoice_id in case.expected_review.items():
        d = by_line[line_id]
        assert d.kind == "review" and d.candidates[0].proposals[0].invoice_id == invoice_id, (line_id, d.reasons)
    applied = 0
    for line_id, invoice_id in case.expected_named.items():
        d = by_line[line_id]
        if d.kind == "auto":
            applied += 1
            assert [p.invoice_id for p in d.allocations] == [invoice_id], (line_id, d.reasons)
        else:
            assert d.kind == "review" and invoice_id in {c.proposals[0].invoice_id for c in d.candidates}
    assert applied >= len(case.expected_named) * 0.5
    benchmark.extra_info["named_without_reference_applied"] = f"{applied}/{len(case.expected_named)}"
    for line_id in case.expected_unmatched:
        assert by_line[line_id].kind == "unmatched", (line_id, by_line[line_id].reasons)
    assert (len(case.expected_auto), len(case.expected_named), len(case.expected_review),
            len(case.expected_unmatched)) == (1_200, 200, 200, 400)
    benchmark.extra_info["lines"] = 2_000
