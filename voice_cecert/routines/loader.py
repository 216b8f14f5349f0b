"""Reading routine files: validate against schema.yaml, then build frozen Routine values.

A supervisor writes a routine without code, so every problem is reported as
`file:line: what is wrong` (YAML node marks give the line), all problems at once, and a file
that loads has every default filled in. The app's own routines live in `data/`, one
`<id>.yaml` per routine id of CATALOG.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from rapidfuzz import process

from voice_cecert.errors import UserError
from voice_cecert.routines import patterns, templates
from voice_cecert.routines.durations import DurationError, parse_duration
from voice_cecert.routines.model import (
    STEP_KINDS,
    Ask,
    Breathe,
    CheckIn,
    Choose,
    Pause,
    Record,
    Routine,
    Say,
    Step,
)
from voice_cecert.routines.yaml_lines import YamlProblem, line_of, load_with_lines

DATA_DIR = Path(str(resources.files(__package__).joinpath("data")))
BRANCH_FIELDS = ("if_yes", "if_no", "if_answered", "if_none")
WAIT_DEFAULTS = {"yes-no": 10.0, "number": 10.0, "list": 45.0, "text": 60.0}
LIMITS = {  # (min, max) seconds
    "length": (10.0, 3600.0),
    "pause": (1.0, 3600.0),
    "seconds": (5.0, 3600.0),
    "wait": (1.0, 600.0),
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RoutineError(UserError):
    """A routine file that does not load; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")
        self.problems = problems


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _validator(part: dict[str, Any]) -> jsonschema.protocols.Validator:
    schema = {"$defs": _schema()["$defs"], **part}
    return jsonschema.Draft202012Validator(schema)


class _FileCheck:
    """One file's validation: collects problems while building the Routine."""

    def __init__(self, name: str, lines: dict, known_ids: set[str]) -> None:
        self.name = name
        self.lines = lines
        self.known_ids = known_ids
        self.problems: list[Problem] = []
        self.allowed_names: set[str] = set(templates.PLAN_KEYS)
        self.used_names: set[str] = set()

    def problem(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.name, line_of(self.lines, path), message))

    def schema_problems(self, part: dict, data: Any, path: tuple, label: str) -> bool:
        ok = True
        errors = sorted(_validator(part).iter_errors(data), key=lambda e: list(e.absolute_path))
        for error in errors:
            ok = False
            where = tuple(error.absolute_path)
            if error.validator == "additionalProperties":
                props = error.schema.get("properties", {})
                where += tuple(k for k in error.instance if k not in props)[:1]
            field = ".".join(str(p) for p in error.absolute_path)
            prefix = f"{label}: " + (f"field '{field}': " if field else "")
            self.problem(path + where, prefix + _friendly(error))
        return ok

    def duration(self, data: dict, key: str, path: tuple, default: float | None, kind: str):
        if key not in data:
            return default
        try:
            seconds = parse_duration(data[key])
        except DurationError as exc:
            self.problem((*path, key), f"field '{key}': {exc}")
            return default
        low, high = LIMITS[kind]
        if not low <= seconds <= high:
            self.problem(
                (*path, key), f"field '{key}': {seconds:g}s is outside {low:g}-{high:g} seconds"
            )
        return seconds

    def text(self, value: str, path: tuple) -> str:
        try:
            self.used_names |= templates.check(value, self.allowed_names)
        except templates.TemplateProblem as exc:
            self.problem(path, str(exc))
        return value

    def steps(self, raw: list, path: tuple, trail: str) -> tuple[Step, ...]:
        built: list[Step] = []
        for index, data in enumerate(raw):
            step = self.step(data, (*path, index), f"{trail}step {index + 1}")
            if step is not None:
                built.append(step)
        return tuple(built)

    def step(self, data: Any, path: tuple, label: str) -> Step | None:
        if not isinstance(data, dict):
            self.problem(path, f"{label}: must be a mapping like 'say: ...'")
            return None
        kinds = [k for k in STEP_KINDS if k in data]
        if len(kinds) != 1:
            found = f"both {' and '.join(kinds)}" if kinds else f"none (fields: {', '.join(data)})"
            self.problem(
                path,
                f"{label}: needs exactly one step kind of {', '.join(STEP_KINDS)}; found {found}",
            )
            return None
        kind = kinds[0]
        label = f"{label} ({kind})"
        if not self.schema_problems(_schema()["steps"][kind], data, path, label):
            # Still report bad durations, so one validate run lists every problem.
            for key in ("pause", "seconds", "wait"):
                if isinstance(data.get(key), str):
                    self.duration(data, key, path, None, key)
            return None
        line = line_of(self.lines, path)
        return getattr(self, f"_build_{kind}")(data, path, label, line)

    def _build_say(self, data: dict, path: tuple, label: str, line: int) -> Say:
        return Say(self.text(data["say"], (*path, "say")), line=line)

    def _build_pause(self, data: dict, path: tuple, label: str, line: int) -> Pause:
        seconds = self.duration(data, "pause", path, 1.0, "pause")
        cue = self.text(data["cue"], (*path, "cue")) if "cue" in data else None
        return Pause(seconds, cue, data.get("adjustable", True), line=line)

    def _build_breathe(self, data: dict, path: tuple, label: str, line: int) -> Breathe | None:
        name = str(data.get("breathe") or "coherent")
        pattern = patterns.presets().get(name)
        if pattern is None:
            try:
                pattern = patterns.parse_spec(name)
            except ValueError as exc:
                self.problem(
                    (*path, "breathe"), f"{label}: {exc} (presets: {', '.join(patterns.presets())})"
                )
                return None
        seconds = self.duration(data, "seconds", path, None, "seconds")
        if "cycles" not in data and seconds is None:
            seconds = 60.0
        return Breathe(
            pattern,
            data.get("cycles"),
            seconds,
            data.get("cues", "spoken"),
            data.get("adjustable", True),
            line=line,
        )

    def _build_ask(self, data: dict, path: tuple, label: str, line: int) -> Ask:
        kind = data["answer"]
        question = self.text(data.get("ask", ""), (*path, "ask"))
        if not question:
            self.problem(path, f"{label}: the question ('ask:') is empty")
        allowed_branches = {
            "yes-no": {"if_yes", "if_no", "if_none"},
            "number": {"if_range", "if_answered", "if_none"},
            "list": {"if_answered", "if_none"},
            "text": {"if_answered", "if_none"},
        }[kind]
        branches: list[tuple[str, tuple[Step, ...]]] = []
        for field in (*BRANCH_FIELDS, "if_range"):
            if field not in data:
                continue
            if field not in allowed_branches:
                self.problem(
                    (*path, field),
                    f"{label}: '{field}' does not apply to answer '{kind}' "
                    f"(use {', '.join(sorted(allowed_branches))})",
                )
                continue
            if field == "if_range":
                for rng, steps in data["if_range"].items():
                    low, high = (int(x) for x in rng.split("-"))
                    if not 0 <= low <= high <= 10:
                        self.problem((*path, field, rng), f"{label}: range '{rng}' must be in 0-10")
                    sub = self.steps(steps, (*path, field, rng), f"{label} {field} {rng} > ")
                    branches.append((f"range:{low}-{high}", sub))
            else:
                sub = self.steps(data[field], (*path, field), f"{label} {field} > ")
                branches.append((field[3:], sub))
        if "items" in data and kind != "list":
            self.problem((*path, "items"), f"{label}: 'items' only applies to answer 'list'")
        if data.get("save") and "key" not in data:
            self.problem(path, f"{label}: 'save: true' needs a 'key' to save the answer under")
        wait = self.duration(data, "wait", path, WAIT_DEFAULTS[kind], "wait")
        next_item = (
            self.text(data["next_item"], (*path, "next_item")) if "next_item" in data else None
        )
        return Ask(
            question,
            kind,
            data.get("items", 3),
            next_item,
            data.get("key"),
            data.get("save", False),
            wait,
            tuple(branches),
            line=line,
        )

    def _build_checkin(self, data: dict, path: tuple, label: str, line: int) -> CheckIn:
        prompt = self.text(data["prompt"], (*path, "prompt")) if "prompt" in data else None
        wait = self.duration(data, "wait", path, 8.0, "wait")
        return CheckIn(data.get("checkin") or "before", prompt, wait, line=line)

    def _build_record(self, data: dict, path: tuple, label: str, line: int) -> Record:
        prompt = self.text(data["record"], (*path, "record")) if data.get("record") else ""
        if not prompt:
            self.problem(path, f"{label}: the prompt ('record:') is empty")
        if data.get("save") and "key" not in data:
            self.problem(path, f"{label}: 'save: true' needs a 'key' to save the text under")
        wait = self.duration(data, "wait", path, 120.0, "wait")
        if_none = (
            self.steps(data["if_none"], (*path, "if_none"), f"{label} if_none > ")
            if ("if_none" in data)
            else ()
        )
        return Record(
            prompt,
            data.get("key"),
            data.get("save", False),
            data.get("save_text"),
            wait,
            if_none,
            line=line,
        )

    def _build_choose(self, data: dict, path: tuple, label: str, line: int) -> Choose:
        options = tuple(data.get("choose") or ())
        for i, option in enumerate(options):
            if self.known_ids and option not in self.known_ids:
                self.problem(
                    (*path, "choose", i), f"{label}: {_unknown_id_message(option, self.known_ids)}"
                )
        if len(options) < 2:
            self.problem(
                path, f"{label}: offer two or three routine ids, e.g. choose: [breathing, aces]"
            )
        prompt = self.text(data["prompt"], (*path, "prompt")) if "prompt" in data else None
        wait = self.duration(data, "wait", path, 10.0, "wait")
        return Choose(options, prompt, wait, line=line)


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "object": "a mapping"}


def _friendly(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        return f"unknown field {', '.join(map(repr, extra))} (allowed: {allowed})"
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    if error.validator == "not":
        return "give either 'cycles' or 'seconds', not both"
    if error.validator == "type" and isinstance(error.instance, bool):
        wanted = _TYPE_WORDS.get(str(error.validator_value), "text")
        return (
            f"{str(error.instance).lower()} is not {wanted}: put the value in quotes "
            "(YAML reads yes/no/on/off as true/false)"
        )
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return error.message


def _collect_keys(raw: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(raw, dict):
        if isinstance(raw.get("key"), str) and ("ask" in raw or "record" in raw):
            found.add(raw["key"])
        for value in raw.values():
            found |= _collect_keys(value)
    elif isinstance(raw, list):
        for value in raw:
            found |= _collect_keys(value)
    return found


def _unknown_id_message(name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    best = process.extractOne(name, known) if known else None
    hint = f"; did you mean '{best[0]}'?" if best and best[1] >= 60 else ""
    return f"unknown routine id '{name}'{hint}"


def check_text(
    text: str, name: str, known_ids: set[str] | None = None, expected_id: str | None = None
) -> tuple[Routine | None, list[Problem]]:
    """Validate one routine's YAML text; returns (routine or None, problems)."""
    try:
        raw, lines = load_with_lines(text)
    except YamlProblem as exc:
        return None, [Problem(name, exc.line, exc.message)]
    check = _FileCheck(name, lines, set(known_ids or ()))
    if not isinstance(raw, dict):
        return None, [
            Problem(
                name,
                1,
                "a routine file must be a mapping with id, element, title, "
                "summary, length and steps",
            )
        ]
    if not check.schema_problems(_schema()["routine"], raw, (), "routine"):
        return None, check.problems
    if expected_id is not None and raw["id"] != expected_id:
        check.problem(("id",), f"id '{raw['id']}' must match the file name '{expected_id}.yaml'")
    length = check.duration(raw, "length", (), 60.0, "length")
    check.allowed_names |= _collect_keys(raw["steps"])
    steps = check.steps(raw["steps"], ("steps",), "")
    check.text(raw["title"], ("title",))
    if check.problems:
        return None, check.problems
    routine = Routine(
        raw["id"],
        raw["element"],
        raw["title"],
        raw["summary"],
        length,
        steps,
        source=name,
        placeholders=frozenset(check.used_names),
    )
    return routine, []


def routine_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.yaml") if not p.name.startswith("."))


@functools.cache
def catalog() -> dict[str, tuple[str, ...]]:
    """Catalog ids by element, in listing order (catalog.yaml mirrors CATALOG.md)."""
    text = resources.files(__package__).joinpath("catalog.yaml").read_text(encoding="utf-8")
    return {element: tuple(ids) for element, ids in yaml.safe_load(text).items()}


def catalog_ids() -> frozenset[str]:
    return frozenset(i for ids in catalog().values() for i in ids)


@functools.cache
def builtin_ids() -> frozenset[str]:
    """Ids with a routine file in data/ (the catalog ids once all are written)."""
    return frozenset(p.stem for p in routine_files(DATA_DIR))


def validate_path(path: Path) -> tuple[list[Routine], list[Problem]]:
    """Check a routine file or a folder of them (choose targets may be built-in or local)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"no such file or folder: {path}")
    files = routine_files(path) if path.is_dir() else [path]
    if not files:
        raise UserError(f"no routine files (*.yaml) in {path}")
    known = set(builtin_ids() | catalog_ids()) | {p.stem for p in routine_files(files[0].parent)}
    routines: list[Routine] = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(file), 1, f"cannot read: {exc}"))
            continue
        routine, found = check_text(text, str(file), known, expected_id=file.stem)
        problems.extend(found)
        if routine is not None:
            routines.append(routine)
    return routines, problems


def load_file(path: Path, known_ids: set[str] | None = None) -> Routine:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    known = set(known_ids) if known_ids is not None else set(builtin_ids() | catalog_ids())
    known.add(path.stem)
    routine, problems = check_text(text, str(path), known, expected_id=path.stem)
    if problems:
        raise RoutineError(problems)
    assert routine is not None
    return routine


@functools.cache
def load(routine_id: str) -> Routine:
    """A built-in routine by id; an unknown id names the closest one."""
    ids = builtin_ids()
    if routine_id not in ids:
        raise UserError(_unknown_id_message(routine_id, ids) + " (see: voice-cecert routines)")
    return load_file(DATA_DIR / f"{routine_id}.yaml", set(ids | catalog_ids()))


def load_all() -> list[Routine]:
    return [load(i) for i in sorted(builtin_ids())]
