"""Demo data for Mezame: a building-materials wholesaler (建材問屋) with five years of history.

`manage.py seed_demo` calls `build.seed_demo`; `manage.py demo_logins` prints DEMO_USERS. Everything the demo
owns is recognisable by its keys (customer codes `D00001…`, product codes `DP-…`, purchase row keys `demo:…`),
so a re-run deletes exactly those rows and builds them again from the seed: idempotent and deterministic.
"""
from crm.roles import Role

# Public on purpose: printed by `manage.py demo_logins`; seed_demo refuses to run with production settings.
DEMO_PASSWORD = "mezame-demo"  # noqa: S105
CUSTOMER_CODE_PREFIX = "D"
PRODUCT_CODE_PREFIX = "DP-"
ROW_KEY_PREFIX = "demo:"

# (username, role, display name)
DEMO_USERS = [
    ("rep1", Role.SALES_REP, "佐藤 健太"),
    ("rep2", Role.SALES_REP, "鈴木 翔"),
    ("rep3", Role.SALES_REP, "高橋 美咲"),
    ("rep4", Role.SALES_REP, "田中 大輔"),
    ("rep5", Role.SALES_REP, "伊藤 拓也"),
    ("rep6", Role.SALES_REP, "渡辺 彩"),
    ("maintainer", Role.LIST_MAINTAINER, "山本 由美"),
    ("manager", Role.MANAGER, "中村 誠"),
    ("admin", Role.ADMIN, "小林 管理者"),
]
