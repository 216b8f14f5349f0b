import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest

from voice_cecert.errors import UserError
from voice_cecert.journal import PLAN_KEYS, Journal


class FakeNow:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


@pytest.fixture
def now():
    return FakeNow(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))


@pytest.fixture
def journal(tmp_path, now):
    return Journal(tmp_path / "j.sqlite3", now=now)


def test_file_is_private_and_in_wal_mode(journal):
    journal.start_practice("breathing")
    mode = stat.S_IMODE(journal.path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(journal.path.parent.stat().st_mode) == 0o700
    with sqlite3.connect(journal.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for side in journal.path.parent.glob("j.sqlite3-*"):
        assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side


def test_practice_log_with_checkins_and_daily_total(journal, now):
    pid = journal.start_practice("breathing")
    journal.add_checkin(pid, "before", 7)
    journal.add_checkin(pid, "after", 4)
    journal.finish_practice(pid, 120, completed=True)
    other = journal.start_practice("ride-the-wave")
    journal.finish_practice(other, 30, completed=False)
    now.when += timedelta(days=1)
    journal.finish_practice(journal.start_practice("aces"), 600, completed=True)

    assert journal.today_minutes() == pytest.approx(10.0)
    now.when -= timedelta(days=1)
    assert journal.today_minutes() == pytest.approx(2.5)
    first, second, _ = journal.practices()
    assert (first.routine_id, first.completed, first.intensity_before, first.intensity_after) == (
        "breathing",
        True,
        7,
        4,
    )
    assert second.completed is False and second.intensity_before is None


def test_summary_speaks_progress_toward_goal(journal, now):
    assert "haven't practised yet today" in journal.summary().spoken()
    pid = journal.start_practice("breathing")
    journal.add_checkin(pid, "before", 6)
    journal.add_checkin(pid, "after", 3)
    journal.finish_practice(pid, 5 * 60, completed=True)
    summary = journal.summary(goal_minutes=20)
    assert summary.practices_today == 1
    assert summary.minutes_today == pytest.approx(5)
    assert summary.average_change == -3
    spoken = summary.spoken()
    assert "1 practice, 5 minutes" in spoken
    assert "15 minutes to go" in spoken
    assert "comes down" in spoken
    journal.finish_practice(journal.start_practice("aces"), 16 * 60, completed=True)
    assert "reached your 20 minute goal" in journal.summary(goal_minutes=20).spoken()


def test_checkin_values_are_bounded(journal):
    pid = journal.start_practice("breathing")
    with pytest.raises(ValueError):
        journal.add_checkin(pid, "before", 11)
    with pytest.raises(ValueError):
        journal.add_checkin(pid, "during", 3)


def test_answers_round_trip_and_survive_reopen(journal, tmp_path, now):
    journal.set_answer("task_positive", "file notes\nwalk\ncall back")
    journal.set_answer("partner", "Sam")
    journal.set_answer("partner", "Alex")
    again = Journal(tmp_path / "j.sqlite3", now=now)
    assert again.get_answer("partner") == "Alex"
    assert again.get_answer("task_positive").splitlines() == ["file notes", "walk", "call back"]
    assert again.get_answer("rest") is None
    assert again.clear_answer("partner") is True
    assert again.get_answer("partner") is None
    assert set(PLAN_KEYS) >= {"task_positive", "partner", "narrative_commute"}


def test_saved_texts_and_export(journal):
    pid = journal.start_practice("commute-rehearsal")
    journal.save_text(pid, "narrative_commute", "I get ready for the day, one client at a time.")
    journal.finish_practice(pid, 90, completed=True)
    csv_text = journal.export("csv")
    assert csv_text.splitlines()[0].startswith("id,routine_id,started_at")
    assert "commute-rehearsal" in csv_text.splitlines()[1]
    data = journal.export("json")
    assert "one client at a time" in data
    with pytest.raises(UserError):
        journal.export("xml")


def test_concurrent_writers_lose_nothing(journal):
    def worker(n: int) -> None:
        for _ in range(20):
            journal.finish_practice(journal.start_practice(f"r{n}"), 1, completed=True)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(journal.practices()) == 80


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(UserError, match="cannot open journal"):
        Journal(bad)
