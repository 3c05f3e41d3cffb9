"""How each result looks: one view per result type and output format, and nothing else.

A command returns a plain value (a plan, findings, a status, test results, a coverage
measure, an export's summary, an upgrade report); a view turns it into text, a JSON
document, Markdown, SARIF, JUnit XML or Prometheus' text format. Views print nothing
and know no reporter: the reporter writes what they return and masks it.

======================  =====================================================
result                  views
======================  =====================================================
plan (and diff)         ``plan`` (text, JSON), ``plan_markdown``
findings                ``findings`` (text, JSON), ``findings_sarif``
status                  ``status`` (text, JSON)
workflow test results   ``case_results`` (text), ``junit``
test coverage           ``coverage`` (text, JSON, Markdown)
export                  ``export`` (text)
upgrade report          ``upgrade`` (text, JSON, Markdown)
drift                   ``drift`` (Prometheus text)
======================  =====================================================
"""
