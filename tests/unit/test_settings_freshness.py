"""How soon a saved setting reaches the sync functions, and what the console's Map tells the
merchant after a save: the same figure (:data:`xerosync.wiring.SETTINGS_MAX_AGE`). A warm sync
function keeps the settings it read for that long (reading them for every batch would spend
Parameter Store's GetParameter throughput, 40 requests a second shared by the whole account and
region by default: https://docs.aws.amazon.com/general/latest/gr/ssm.html); a retried record
reads them afresh (tests/unit/test_retried_records.py)."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from xerosync import wiring
from xerosync.console.map_html import saved_note
from xerosync.environment import current


@pytest.fixture
def settings_in_ssm(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The parameter's value as a test sets it, counting reads; a monotonic clock the test moves."""

    class Ssm:
        value = 'invoice_prefix: "OLD-"\n'
        reads = 0
        now = 1_000.0

    def get_parameter(name: str) -> str:
        Ssm.reads += 1
        return Ssm.value

    monkeypatch.setenv("SETTINGS_PARAMETER", "/xerosync/s/settings")
    monkeypatch.delenv("STORE_SOURCE", raising=False)
    current.cache_clear()
    monkeypatch.setattr(wiring.parameters, "get_parameter", get_parameter)
    monkeypatch.setattr(wiring.time, "monotonic", lambda: Ssm.now)
    monkeypatch.setattr(wiring, "_settings_cache", None)
    yield Ssm
    current.cache_clear()


def test_a_warm_function_uses_a_save_no_later_than_the_figure_the_console_shows(settings_in_ssm: Any) -> None:
    ssm = settings_in_ssm
    assert wiring.load_settings().invoice_prefix == "OLD-" and ssm.reads == 1
    ssm.value = 'invoice_prefix: "NEW-"\n'  # saved from the Map a moment after that read
    ssm.now += wiring.SETTINGS_MAX_AGE - 0.001
    assert wiring.load_settings().invoice_prefix == "OLD-" and ssm.reads == 1  # what the note warns of
    ssm.now += 0.001
    assert wiring.load_settings().invoice_prefix == "NEW-" and ssm.reads == 2  # never later than this
    wiring.forget_settings()  # a retried record's batch
    assert wiring.load_settings().invoice_prefix == "NEW-" and ssm.reads == 3


def test_the_note_after_a_save_says_from_when_records_use_it() -> None:
    saved = datetime(2026, 12, 3, 12, 40, 30, tzinfo=UTC)
    note = saved_note(7, saved, wiring.SETTINGS_MAX_AGE)
    assert note.startswith("Saved as version 7; the previous settings are kept as version 6.")
    assert "from 12:46 UTC (5 minutes after the save)" in note  # 12:45:30, to the next whole minute
    assert "may still use version 6" in note and "retried" in note and "at once" in note
    on_the_minute = saved_note(7, datetime(2026, 12, 3, 12, 40, tzinfo=UTC), 300.0)
    assert "from 12:45 UTC" in on_the_minute
    elsewhere = saved_note(7, datetime(2026, 12, 3, 23, 58, tzinfo=timezone(timedelta(hours=11))), 300.0)
    assert "from 13:03 UTC" in elsewhere  # SSM's time in another zone, said in UTC as the sync log is
    assert "within 5 minutes of the save" in saved_note(7, None, 300.0)
    assert "within 1 minute of the save" in saved_note(2, None, 60.0)
