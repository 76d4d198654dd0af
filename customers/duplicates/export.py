"""find_duplicates' CSV: code_a, code_b, score, reasons (UTF-8 with BOM like the other exports, formulas
neutralised: a customer code or name is user data)."""
from customers.tabular.writing import write_csv

from .scoring import reasons_text

HEADER = ("code_a", "code_b", "score", "reasons")


def write_matches(stream, matches):
    """Write engine.Match rows to a binary stream, the pair's codes in code order. Returns the row count."""
    rows = (
        (*sorted((match.a.code, match.b.code)), match.score, reasons_text(match.reasons))
        for match in matches
    )
    return write_csv(stream, HEADER, rows)
