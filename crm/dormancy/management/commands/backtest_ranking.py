"""manage.py backtest_ranking --as-of D [--horizon 90] [--json PATH]: how well the ranking found who came back.

Cut-off C = D − horizon; features and scores from purchases on or before C only, outcome "bought on a day in
(C, D]" (crm.dormancy.backtest). Prints AUC, returners in the top 10 % / 20 % and the top 10 %'s share of their
revenue per score, for all customers and for the targets; --json writes the same figures. Reads only.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.dormancy import backtest

from .scan_dormancy import as_of_date


class Command(BaseCommand):
    help = "Back-test the win-back ranking: scores at as_of − horizon against who bought again up to as_of."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", required=True, help="YYYY-MM-DD: the end of the outcome window")
        parser.add_argument("--horizon", type=int, default=backtest.DEFAULT_HORIZON_DAYS, help="days (default 90)")
        parser.add_argument("--json", dest="json_path", help="write the figures as JSON to this file")

    def handle(self, *args, as_of, horizon, json_path=None, **options):
        if horizon < 1:
            raise CommandError("--horizon must be at least 1 day")
        figures = backtest.ranking_backtest(as_of=as_of_date(as_of), horizon_days=horizon)
        if json_path:
            Path(json_path).write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
        out = self.stdout
        out.write(f"cut-off {figures['cutoff']}, horizon {figures['horizon_days']} days, as of {figures['as_of']}")
        if not figures["populations"]:
            out.write(
                f"too little history: {figures['returners']} customers came back after the cut-off "
                f"(at least {backtest.MIN_RETURNERS} needed); the rule stays in force"
            )
            return
        out.write(f"priority in force: {figures['priority_in_force']} ({figures['why']})")
        for name, population in figures["populations"].items():
            out.write(f"{name}: {population['customers']} customers, {population['returners']} came back")
            out.write(f"  {'score':<24}{'AUC':>8}{'top 10%':>9}{'top 20%':>9}{'revenue':>9}")
            for score, values in population["scores"].items():
                cells = "".join(
                    f"{'—' if values[key] is None else format(values[key], '.3f'):>{width}}"
                    for key, width in (("auc", 8), ("top10_hit", 9), ("top20_hit", 9), ("top10_revenue_share", 9))
                )
                out.write(f"  {score:<24}{cells}")
