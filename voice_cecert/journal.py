"""The practice journal: what was practised, how it felt, and the user's own words.

SQLite in WAL mode, so a crash or a kill mid-write never corrupts what was saved, in a file only
the user can read (practice notes and narratives can touch clinical material). Timestamps are
stored in UTC with the local calendar day beside them, so "today" means the user's today.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from voice_cecert import paths
from voice_cecert.errors import UserError

SCHEMA_VERSION = 1

# Worksheet ("Practicing your Practice") question number -> the answer keys it fills.
PLAN_QUESTIONS: dict[int, tuple[str, ...]] = {
    1: ("experiential",),
    2: ("task_positive",),
    3: ("narrative_commute", "narrative_intensity", "narrative_why"),
    4: ("compassion",),
    5: ("mindful_moments",),
    6: ("partner", "rest"),
}
PLAN_KEYS: tuple[str, ...] = tuple(key for keys in PLAN_QUESTIONS.values() for key in keys)
LIST_KEYS = frozenset({"task_positive", "mindful_moments"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS practices (
    id INTEGER PRIMARY KEY,
    routine_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    day TEXT NOT NULL,
    duration_s REAL,
    completed INTEGER
);
CREATE INDEX IF NOT EXISTS practices_day ON practices(day);
CREATE TABLE IF NOT EXISTS checkins (
    id INTEGER PRIMARY KEY,
    practice_id INTEGER REFERENCES practices(id) ON DELETE CASCADE,
    moment TEXT NOT NULL CHECK (moment IN ('before', 'after')),
    value INTEGER NOT NULL CHECK (value BETWEEN 0 AND 10),
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS texts (
    id INTEGER PRIMARY KEY,
    practice_id INTEGER REFERENCES practices(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Practice:
    id: int
    routine_id: str
    started_at: str
    day: str
    duration_s: float | None
    completed: bool | None
    intensity_before: int | None
    intensity_after: int | None


@dataclass(frozen=True)
class Summary:
    """Enough to answer "how am I doing" in two spoken sentences."""

    day: str
    minutes_today: float
    goal_minutes: float
    practices_today: int
    completed_today: int
    days_practised_last_7: int
    last_routine: str | None
    average_change: float | None  # mean (after - before) intensity over practices with both

    def spoken(self) -> str:
        minutes = round(self.minutes_today)
        if self.practices_today == 0:
            first = "You haven't practised yet today."
        else:
            noun = "practice" if self.practices_today == 1 else "practices"
            unit = "minute" if minutes == 1 else "minutes"
            first = f"Today you've done {self.practices_today} {noun}, {minutes} {unit} in all."
        left = max(0, round(self.goal_minutes - self.minutes_today))
        if left == 0 and self.practices_today:
            goal = f"You've reached your {round(self.goal_minutes)} minute goal. Well done."
        else:
            goal = f"{left} minutes to go toward your {round(self.goal_minutes)} minute goal."
        week = f"You practised on {self.days_practised_last_7} of the last seven days."
        parts = [first, goal, week]
        if self.average_change is not None and self.average_change < 0:
            parts.append("On average, your intensity comes down after practising.")
        return " ".join(parts)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """One user's journal. Safe to open from several threads (one connection per call)."""

    def __init__(
        self,
        path: Path | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = path or paths.data_dir() / "journal.sqlite3"
        self._now = now
        self._create_private_file()
        try:
            with self._connect() as db:
                db.executescript(_SCHEMA)
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise UserError(
                        f"journal {self.path} was written by a newer voice-cecert; update the app"
                    )
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise UserError(f"cannot open journal {self.path}: {exc}") from None

    def _create_private_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.parent != Path(self.path.anchor):
            os.chmod(self.path.parent, 0o700)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        finally:
            db.close()

    def _stamp(self) -> tuple[str, str]:
        now = self._now()
        utc = now.astimezone(UTC).isoformat(timespec="seconds")
        return utc, now.astimezone().date().isoformat()

    # -- practices -------------------------------------------------------------------------
    def start_practice(self, routine_id: str) -> int:
        at, day = self._stamp()
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO practices (routine_id, started_at, day) VALUES (?, ?, ?)",
                (routine_id, at, day),
            )
            return int(cur.lastrowid or 0)

    def finish_practice(self, practice_id: int, duration_s: float, completed: bool) -> None:
        if duration_s < 0:
            raise ValueError("duration cannot be negative")
        with self._connect() as db:
            db.execute(
                "UPDATE practices SET duration_s = ?, completed = ? WHERE id = ?",
                (float(duration_s), int(completed), practice_id),
            )

    def add_checkin(self, practice_id: int | None, moment: str, value: int) -> None:
        if moment not in ("before", "after"):
            raise ValueError(f"check-in moment must be before or after, not {moment!r}")
        if not 0 <= int(value) <= 10:
            raise ValueError("intensity must be between 0 and 10")
        at, _ = self._stamp()
        with self._connect() as db:
            db.execute(
                "INSERT INTO checkins (practice_id, moment, value, at) VALUES (?, ?, ?, ?)",
                (practice_id, moment, int(value), at),
            )

    def practices(self, day: str | None = None) -> list[Practice]:
        query = """
            SELECT p.id, p.routine_id, p.started_at, p.day, p.duration_s, p.completed,
                (SELECT value FROM checkins c WHERE c.practice_id = p.id AND c.moment = 'before'
                 ORDER BY c.id DESC LIMIT 1),
                (SELECT value FROM checkins c WHERE c.practice_id = p.id AND c.moment = 'after'
                 ORDER BY c.id DESC LIMIT 1)
            FROM practices p {where} ORDER BY p.id
        """
        where, args = ("WHERE p.day = ?", (day,)) if day else ("", ())
        with self._connect() as db:
            rows = db.execute(query.format(where=where), args).fetchall()
        return [
            Practice(
                id=r[0],
                routine_id=r[1],
                started_at=r[2],
                day=r[3],
                duration_s=r[4],
                completed=None if r[5] is None else bool(r[5]),
                intensity_before=r[6],
                intensity_after=r[7],
            )
            for r in rows
        ]

    def today_minutes(self) -> float:
        _, day = self._stamp()
        return sum((p.duration_s or 0.0) for p in self.practices(day)) / 60.0

    def summary(self, goal_minutes: float = 20.0) -> Summary:
        _, day = self._stamp()
        today = self.practices(day)
        with self._connect() as db:
            days = db.execute(
                "SELECT COUNT(DISTINCT day) FROM practices WHERE day > date(?, '-7 days')"
                " AND duration_s > 0",
                (day,),
            ).fetchone()[0]
        everything = self.practices()
        changes = [
            p.intensity_after - p.intensity_before
            for p in everything
            if p.intensity_before is not None and p.intensity_after is not None
        ]
        return Summary(
            day=day,
            minutes_today=sum((p.duration_s or 0.0) for p in today) / 60.0,
            goal_minutes=goal_minutes,
            practices_today=len(today),
            completed_today=sum(1 for p in today if p.completed),
            days_practised_last_7=int(days),
            last_routine=everything[-1].routine_id if everything else None,
            average_change=sum(changes) / len(changes) if changes else None,
        )

    # -- worksheet answers and saved words --------------------------------------------------
    def get_answer(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_answer(self, key: str, value: str) -> None:
        at, _ = self._stamp()
        with self._connect() as db:
            db.execute(
                "INSERT INTO answers (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (key, value, at),
            )

    def clear_answer(self, key: str) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM answers WHERE key = ?", (key,)).rowcount > 0

    def answers(self) -> dict[str, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT key, value FROM answers ORDER BY key").fetchall())

    def save_text(self, practice_id: int | None, kind: str, text: str) -> int:
        at, _ = self._stamp()
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO texts (practice_id, kind, text, at) VALUES (?, ?, ?, ?)",
                (practice_id, kind, text, at),
            )
            return int(cur.lastrowid or 0)

    def texts(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        """(kind, text, at) oldest first."""
        where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        with self._connect() as db:
            query = f"SELECT kind, text, at FROM texts {where} ORDER BY id"
            return db.execute(query, args).fetchall()

    # -- export ---------------------------------------------------------------------------
    def export(self, fmt: str) -> str:
        """The whole practice log as CSV (one row per practice) or JSON (everything)."""
        practices = self.practices()
        if fmt == "csv":
            out = io.StringIO()
            fields = list(Practice.__dataclass_fields__)
            writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for p in practices:
                writer.writerow(asdict(p))
            return out.getvalue()
        if fmt == "json":
            data = {
                "practices": [asdict(p) for p in practices],
                "answers": self.answers(),
                "texts": [{"kind": k, "text": t, "at": a} for k, t, a in self.texts()],
            }
            return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        raise UserError(f"unknown export format {fmt!r}; use csv or json")
