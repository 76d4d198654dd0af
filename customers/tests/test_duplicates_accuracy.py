"""Precision and recall of find_duplicates on generated, labelled Japanese records (bench/duplicates_data.py, the
tuning seed; bench/eval_duplicates.py reports the held-out seed on a larger set). Issue 17 asks precision >= 0.95
and recall >= 0.90 on a hidden set of the same kind."""
import pytest

from bench.duplicates_data import generate
from bench.eval_duplicates import load, score
from customers.duplicates import engine

pytestmark = [pytest.mark.django_db]


def test_find_duplicates_meets_the_precision_and_recall_of_issue_17():
    rows, true_pairs = generate(1, entities=600)
    load(rows)
    found = {tuple(sorted((match.a.code, match.b.code))) for match in engine.find_duplicates()}
    precision, recall = score(found, true_pairs)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)


def test_the_generator_makes_hard_negatives_that_share_a_name_a_building_or_a_home():
    rows, true_pairs = generate(1, entities=600)
    in_pairs = {code for pair in true_pairs for code in pair}
    loners = [row for row in rows if row["code"] not in in_pairs]
    names = [row["name"] for row in rows]
    assert len(loners) > 300 and len(true_pairs) > 150
    assert len(set(names)) < len(names)  # namesakes (and duplicates) share names
