"""Write the demo company into the database: wipe what the demo owns, then rebuild it from the seed.

Set-based: every table is filled with bulk_create in batches; derived data (purchase summaries, dormancy)
is computed afterwards by the same services the nightly job uses.
"""
import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.test.utils import override_settings
from faker import Faker

from crm.dormancy.pipeline import scan_dormancy
from crm.roles import Role
from customers.models import Contact, Customer, MarketEvent, PriceChange, Product, Purchase, Tag, Touchpoint
from customers.purchases.summary import refresh_purchase_summaries

from . import CUSTOMER_CODE_PREFIX, DEMO_PASSWORD, DEMO_USERS, PRODUCT_CODE_PREFIX, ROW_KEY_PREFIX, field_sales
from .campaigns import demo_campaigns, demo_campaigns_wipe
from .catalogue import (
    BOARD_INDUSTRIES,
    COMPETITOR_CATEGORY,
    INDUSTRY_CATEGORIES,
    POPULAR_NEW_PRICE,
    POPULAR_PRODUCT,
    PRODUCTS,
    TAG_NAMES,
    TOUCHPOINT_NOTES,
    WEB_STORE,
)
from .history import cohort_sizes, history, rise_date
from .people import contact_fields, customer_fields, make_profile

TOKYO = ZoneInfo("Asia/Tokyo")
BATCH = 2000
CODE_REGEX = rf"^{CUSTOMER_CODE_PREFIX}[0-9]{{5}}$"


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO)


def demo_users_upsert():
    """The nine demo logins, created or reset to their demo role and password."""
    user_model = get_user_model()
    # One hash for all nine: the password is public anyway, and hashing is the slow part of a re-run.
    password_hash = make_password(DEMO_PASSWORD)
    users = {}
    for username, role, display_name in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.role = role
        user.display_name = display_name
        user.email = f"{username}@mezame-demo.example.jp"
        user.is_active = True
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.password = password_hash
        user.save()
        users[username] = user
    return users


def demo_data_wipe():
    """Delete every row the demo owns (by its keys); other data is left alone."""
    # The history of rows the demo rebuilds anyway is noise: no 'deleted' records for them.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        demo_campaigns_wipe()
        Purchase.objects.filter(row_key__startswith=ROW_KEY_PREFIX).delete()
        Customer.objects.filter(code__regex=CODE_REGEX).delete()
        MarketEvent.objects.filter(product__code__startswith=PRODUCT_CODE_PREFIX).delete()
        Product.objects.filter(code__startswith=PRODUCT_CODE_PREFIX).delete()


def _catalogue(as_of, rise_on):
    products = Product.objects.bulk_create(
        Product(code=code, name=name, category=category, unit_price=POPULAR_NEW_PRICE if code == POPULAR_PRODUCT else price)
        for code, name, category, price, _ in PRODUCTS
    )
    by_code = {p.code: p for p in Product.objects.filter(code__startswith=PRODUCT_CODE_PREFIX)}
    old_popular = next(price for code, _, _, price, _ in PRODUCTS if code == POPULAR_PRODUCT)
    PriceChange.objects.bulk_create([
        PriceChange(product=by_code[POPULAR_PRODUCT], changed_on=rise_on, old_price=old_popular,
                    new_price=POPULAR_NEW_PRICE, note="原材料・物流費の高騰による価格改定"),
        PriceChange(product=by_code["DP-PIP-01"], changed_on=as_of - timedelta(days=700), old_price=1700,
                    new_price=1650, note="仕入先変更による値下げ"),
    ])
    MarketEvent.objects.create(
        occurred_on=as_of - timedelta(days=300), kind=MarketEvent.Kind.COMPETITOR_PRICE_CUT,
        description="競合A社が断熱材を約10%値下げ", product=by_code["DP-INS-02"], category=COMPETITOR_CATEGORY,
    )
    return products, by_code


def _preferred_products(rng, profile):
    categories = INDUSTRY_CATEGORIES[profile.industry]
    codes = [p for p in PRODUCTS if p[2] in categories]
    chosen = rng.sample(codes, k=min(len(codes), rng.randint(3, 7)))
    if profile.cohort == "price_rise" and all(p[0] != POPULAR_PRODUCT for p in chosen):
        chosen.append(next(p for p in PRODUCTS if p[0] == POPULAR_PRODUCT))
    return chosen


def _order_lines(rng, profile, preferred, day, size, rise_on, old_popular):
    count = min(len(preferred), rng.choice([1, 1, 1, 2, 2, 3]))
    lines = rng.sample(preferred, k=count)
    popular = next((p for p in preferred if p[0] == POPULAR_PRODUCT), None)
    if profile.cohort == "price_rise" and popular and popular not in lines:
        lines[0] = popular  # they came for the board, every time
    for code, _, _, price, (low, high) in lines:
        if code == POPULAR_PRODUCT:
            price = old_popular if day < rise_on else POPULAR_NEW_PRICE
        quantity = max(1, round(rng.randint(low, high) * size))
        yield code, quantity, price * quantity


def seed_demo(*, seed=42, customers=3000, as_of, log=print):
    """Build the demo company as of `as_of`; returns the number of rows per table."""
    rng = random.Random(seed)
    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    rise_on = rise_date(as_of)
    old_popular = next(price for code, _, _, price, _ in PRODUCTS if code == POPULAR_PRODUCT)

    with transaction.atomic():
        users = demo_users_upsert()
        reps = [users[name] for name, role, _ in DEMO_USERS if role == Role.SALES_REP]
        demo_data_wipe()
        _, products = _catalogue(as_of, rise_on)
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAG_NAMES}

        cohorts = [name for name, size in cohort_sizes(customers).items() for _ in range(size)]
        rng.shuffle(cohorts)
        rows, plans = [], []
        for index, cohort in enumerate(cohorts, start=1):
            profile = make_profile(rng, fake, index, cohort)
            if cohort in ("price_rise",) and profile.industry not in BOARD_INDUSTRIES:
                profile.industry = rng.choice(BOARD_INDUSTRIES)
                profile.tags = [profile.industry]
            days = history(rng, cohort, as_of=as_of, rise_on=rise_on, fiscal_year_end_month=profile.fiscal_year_end_month)
            first_seen = (days[0][0] if days else as_of) - timedelta(days=rng.randint(5, 400))
            is_key = cohort in ("steady", "declining", "long_quiet") and profile.kind == "company" and rng.random() < 0.12
            if rng.random() < 0.25:
                profile.tags.append(rng.choice(["展示会来場", "ニュースレター購読", "紹介"]))
            customer = Customer(
                code=f"{CUSTOMER_CODE_PREFIX}{index:05d}", kind=profile.kind, name=profile.name,
                name_kana=profile.name_kana, industry=profile.industry, is_key_account=is_key,
                lifecycle=Customer.Lifecycle.CUSTOMER if days else Customer.Lifecycle.PROSPECT,
                assigned_rep=rng.choice(reps) if rng.random() < 0.95 else None,
                fiscal_year_end_month=profile.fiscal_year_end_month,
                source=Customer.Source.EXISTING if days and rng.random() < 0.7 else rng.choice(Customer.Source.values),
                created_at=at(first_seen), **customer_fields(rng, fake, profile, first_seen_at=at(first_seen)),
            )
            customer.refresh_search_keys()  # bulk_create skips save(), which normally does this
            rows.append(customer)
            plans.append((profile, days, first_seen, 3.0 if is_key else rng.lognormvariate(0, 0.4)))
        Customer.objects.bulk_create(rows, batch_size=BATCH)
        ids = dict(Customer.objects.filter(code__regex=CODE_REGEX).values_list("code", "id"))

        tag_links, contacts, touchpoints, purchases = [], [], [], []
        for customer, (profile, days, first_seen, size) in zip(rows, plans, strict=True):
            customer_id = ids[customer.code]
            tag_links += [Customer.tags.through(customer_id=customer_id, tag_id=tags[t].pk) for t in profile.tags]
            if profile.kind == "company" and profile.industry != "官公庁":
                contacts += [Contact(customer_id=customer_id, **contact_fields(rng, fake, profile, n))
                             for n in range(rng.randint(1, 3))]
            author = customer.assigned_rep or rng.choice(reps)
            touchpoints += _touchpoints(rng, profile, days, first_seen, customer_id, author, as_of, rise_on)
            preferred = _preferred_products(rng, profile)
            for n, (day, factor) in enumerate(days, start=1):
                order_ref = f"{customer.code}-{n:04d}"
                store = WEB_STORE if rng.random() < 0.15 else profile.store
                purchased_at = at(day, rng.randint(8, 16), rng.randint(0, 59))
                lines = _order_lines(rng, profile, preferred, day, size * factor, rise_on, old_popular)
                for line, (code, quantity, amount) in enumerate(lines, start=1):
                    purchases.append({
                        "customer_id": customer_id, "purchased_on": day, "purchased_at": purchased_at,
                        "product_id": products[code].pk, "quantity": Decimal(quantity), "amount": amount,
                        "store": store, "order_ref": order_ref, "row_key": f"{ROW_KEY_PREFIX}{order_ref}-{line}",
                        "created_at": purchased_at,
                    })
        Customer.tags.through.objects.bulk_create(tag_links, batch_size=BATCH)
        Contact.objects.bulk_create(contacts, batch_size=BATCH)
        Touchpoint.objects.bulk_create(touchpoints, batch_size=BATCH)
        purchases_insert(purchases)
        log(f"demo data: {len(rows)} customers, {len(contacts)} contacts, {len(touchpoints)} touchpoints, "
            f"{len(purchases)} purchase lines, as of {as_of}")

    _refresh_derived(as_of, log)
    field_sales.demo_field_sales(as_of=as_of, seed=seed, log=log)  # after the scan, which hands out the tasks
    demo_campaigns(as_of=as_of, log=log)  # after the scan too: seeding enrols nobody and sends nothing
    return {
        "customers": len(rows), "contacts": len(contacts), "touchpoints": len(touchpoints),
        "purchases": len(purchases), "products": len(products),
    }


def purchases_insert(rows):
    """Insert purchase lines given as {attname: value} with one parameterized executemany per chunk.

    The purchases are most of the demo's rows; Django's bulk_create spent two thirds of the seed's time preparing
    them field by field (measured with cProfile), so they are adapted here with the backend's own adapters instead.
    Columns not given take their model default, so fields added to Purchase later keep working.
    """
    fields = [f for f in Purchase._meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    adapters, defaults = [], {}
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(f, models.DecimalField):
            adapters.append(lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places))
        else:
            adapters.append(None)
        defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {ops.quote_name(Purchase._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 -- names from the model, values are parameters

    def params(row):
        values = []
        for f, adapt in zip(fields, adapters, strict=True):
            if f.attname in row:
                value = row[f.attname]
                values.append(adapt(value) if adapt and value is not None else value)
            else:
                values.append(defaults[f.attname])
        return values

    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(statement, [params(row) for row in rows[start : start + 5000]])


def _touchpoints(rng, profile, days, first_seen, customer_id, author, as_of, rise_on):
    def note(kind, day):
        department, channel, summary = rng.choice(TOUCHPOINT_NOTES[kind])
        return Touchpoint(customer_id=customer_id, occurred_at=at(day, rng.randint(9, 18)), author=author,
                          department=department, channel=channel, summary=summary)

    if not days:
        return [note("prospect", first_seen + timedelta(days=rng.randint(0, 30))) for _ in range(rng.randint(1, 2))]
    last = days[-1][0]
    span = max(1, (last - first_seen).days)
    notes = [note("general", first_seen + timedelta(days=rng.randint(0, span))) for _ in range(rng.randint(0, 3))]
    if profile.cohort == "price_rise":
        notes.append(note("price", rise_on + timedelta(days=rng.randint(3, 40))))
    if profile.cohort == "long_quiet":
        notes.append(note("customer_side", min(as_of, last + timedelta(days=rng.randint(10, 60)))))
    return notes


def _refresh_derived(as_of, log):
    """Purchase summaries, then the dormancy scan: the same code the nightly job runs."""
    refresh_purchase_summaries(as_of=as_of)
    log("ran customers.purchases.summary.refresh_purchase_summaries")
    scan_dormancy(as_of=as_of, triggered_by="seed_demo")
    log("ran crm.dormancy.pipeline.scan_dormancy")
