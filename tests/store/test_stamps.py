"""What a process keeps of the store (the latest publication, published rows, a bank's consents)
is dropped the moment another process commits a change of it (its stamp file), and checked
against the database every couple of seconds whatever the stamp says."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from tests.store.test_publish import carbon_rows
from world import credit_code

from zhizao.caching import publication_stamp
from zhizao.store import stamps
from zhizao.store.accounts import NewUser, add_user
from zhizao.store.db import session_factory, session_scope
from zhizao.store.hot import consent_lookup
from zhizao.store.models import Consent
from zhizao.store.publish import payload_lookup, publish_rows

SRC = Path(__file__).resolve().parents[2] / "src"


def in_another_process(store_url: str, code: str) -> None:
    """Run ``code`` (``s`` is a session of the store, committed at the end) in a new Python process."""
    prog = ("import json, sys\nfrom zhizao.settings import Settings\nfrom zhizao.store.db import session_factory\n"
            "s = session_factory(sys.argv[1])()\n" + code + "\ns.commit()\ns.close()\n")
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    subprocess.run([sys.executable, "-c", prog, store_url], check=True, env=env, timeout=120)


def grade(url: str, code: str) -> int | None:
    hit = payload_lookup(url, "carbon", 2024, code)
    return None if hit is None else json.loads(hit[0])["grade"]


def test_a_publication_committed_by_another_process_is_served_by_the_next_lookup(store_settings):
    url = store_settings.store_url
    firm = credit_code(0, "330102")
    with session_scope(store_settings) as s:
        publish_rows(s, "carbon", 2024, "carbon-2024-0001", carbon_rows(2024, [1, 2]), "tester")
    assert grade(url, firm) == 1
    before = publication_stamp(url)
    rows = json.dumps(carbon_rows(2024, [4, 4]))
    in_another_process(url, f"from zhizao.store.publish import publish_rows\n"
                            f"publish_rows(s, 'carbon', 2024, 'carbon-2024-0002', json.loads({rows!r}), 'cli')")
    assert publication_stamp(url) != before
    assert grade(url, firm) == 4


def test_a_consent_revoked_by_another_process_holds_for_the_bank_s_next_read(store_settings):
    url = store_settings.store_url
    firm = credit_code(1, "330102")
    today = dt.date.today()
    with session_scope(store_settings) as s:
        bank = add_user(s, NewUser("bank1", "bank"), "correct-horse-9")
        s.flush()
        consent = Consent(credit_code=firm, bank_user_id=bank.id, valid_from=today, valid_to=today, granted_by="firm")
        s.add(consent)
        s.flush()
        bank_id, consent_id = bank.id, consent.id
    assert consent_lookup(url, bank_id, firm) is True
    assert consent_lookup(url, bank_id, firm) is True  # kept
    in_another_process(url, "import datetime as dt\nfrom zhizao.store.models import Consent, utcnow\n"
                            f"s.get(Consent, {consent_id}).revoked_at = utcnow()")
    assert consent_lookup(url, bank_id, firm) is False


def test_a_rolled_back_publication_renews_no_stamp(store_settings):
    url = store_settings.store_url
    with session_scope(store_settings) as s:
        publish_rows(s, "carbon", 2024, "carbon-2024-0001", carbon_rows(2024, [1]), "tester")
    seen = stamps.token(url, "publications")
    assert seen is not None
    with session_factory(url)() as s:
        publish_rows(s, "carbon", 2024, "carbon-2024-0002", carbon_rows(2024, [5]), "tester")
        s.flush()
        s.rollback()
    assert stamps.token(url, "publications") == seen
    assert grade(url, credit_code(0, "330102")) == 1


def test_a_change_that_renews_no_stamp_is_still_seen_within_the_recheck_interval(store_settings, monkeypatch):
    # another host writing the same PostgreSQL store touches no stamp file here
    url = store_settings.store_url
    firm = credit_code(0, "330102")
    with session_scope(store_settings) as s:
        publish_rows(s, "carbon", 2024, "carbon-2024-0001", carbon_rows(2024, [2]), "tester")
    monkeypatch.setattr(stamps, "RECHECK_S", 0.3)
    assert grade(url, firm) == 2
    with session_scope(store_settings) as s:
        s.execute(text("UPDATE published_results SET payload = :p WHERE credit_code = :c"),
                  {"p": json.dumps(carbon_rows(2024, [3])[0]), "c": firm})
        s.execute(text("INSERT INTO publications (method, year, run_id, published_by, published_at, rows) "
                       "VALUES ('carbon', 2024, 'carbon-2024-0009', 'elsewhere', :t, 1)"),
                  {"t": dt.datetime(2030, 1, 1)})
    assert grade(url, firm) == 2  # kept: nothing said it changed
    time.sleep(0.35)
    assert grade(url, firm) == 3


def test_the_published_years_follow_a_publication_in_this_session_and_in_another_process(store_settings):
    from zhizao.store.publish import published_years

    url = store_settings.store_url
    with session_scope(store_settings) as s:
        publish_rows(s, "carbon", 2023, "carbon-2023-0001", carbon_rows(2023, [1]), "tester")
    with session_scope(store_settings) as s:
        assert published_years(s, "carbon") == [2023]
        assert published_years(s, "carbon") == [2023]  # kept
        publish_rows(s, "carbon", 2024, "carbon-2024-0001", carbon_rows(2024, [1]), "tester")
        assert published_years(s, "carbon") == [2023, 2024]  # this session's own change, not yet committed
    rows = json.dumps(carbon_rows(2025, [2]))
    in_another_process(url, f"from zhizao.store.publish import publish_rows\n"
                            f"publish_rows(s, 'carbon', 2025, 'carbon-2025-0001', json.loads({rows!r}), 'cli')")
    with session_scope(store_settings) as s:
        assert published_years(s, "carbon") == [2023, 2024, 2025]
        assert published_years(s, "mujun") == []
