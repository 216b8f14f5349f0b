"""Personal placeholders in spoken lines, with jinja2: `{{ partner | default("a colleague") }}`.

Lines are spoken, not HTML, so there is no escaping; the sandbox keeps a routine file from
reaching into Python. Undefined names are strict, so a placeholder without a `default` fails
validation instead of saying nothing to the user. Saved list answers are newline-separated
text; the `spoken_list` and `item(n)` filters turn them into speech and let `default` still
apply when nothing is saved.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

# Worksheet answers the journal keeps (see CATALOG.md, "Practicing your Practice").
PLAN_KEYS = frozenset(
    {
        "experiential",
        "task_positive",
        "narrative_commute",
        "narrative_intensity",
        "narrative_why",
        "compassion",
        "mindful_moments",
        "partner",
        "rest",
    }
)


class TemplateProblem(ValueError):
    """A placeholder that cannot render: bad syntax, unknown name, or no default."""


def _items(value: object) -> list[str] | jinja2.Undefined:
    if isinstance(value, jinja2.Undefined):
        return value
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).splitlines() if part.strip()]


def spoken_list(value: object) -> str | jinja2.Undefined:
    """'walking, filing notes and a call' from a newline-separated (or list) answer."""
    items = _items(value)
    if isinstance(items, jinja2.Undefined):
        return items
    if not items:
        return jinja2.Undefined(name="empty list")
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def item(value: object, number: int) -> str | jinja2.Undefined:
    """The n-th (1-based) entry of a list answer, or undefined so `default` applies."""
    items = _items(value)
    if isinstance(items, jinja2.Undefined):
        return items
    if 1 <= number <= len(items):
        return items[number - 1]
    return jinja2.Undefined(name=f"item {number}")


@functools.cache
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    env.filters["spoken_list"] = spoken_list
    env.filters["item"] = item
    return env


@functools.lru_cache(maxsize=512)
def _compile(text: str) -> jinja2.Template:
    return _environment().from_string(text)


def has_placeholders(text: str) -> bool:
    return "{{" in text or "{%" in text


def placeholder_names(text: str) -> set[str]:
    """Names a line uses; raises TemplateProblem on a syntax error."""
    try:
        return set(meta.find_undeclared_variables(_environment().parse(text)))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"placeholder syntax: {exc.message}") from None


def check(text: str, allowed: Iterable[str]) -> set[str]:
    """Validate one line: known names only, and it must render with nothing saved."""
    if not has_placeholders(text):
        return set()
    names = placeholder_names(text)
    unknown = sorted(names - set(allowed))
    if unknown:
        raise TemplateProblem(
            f"unknown placeholder {unknown[0]!r} (known: {', '.join(sorted(allowed))})"
        )
    for sample in ({}, {name: "sample one\nsample two" for name in names}):
        try:
            _compile(text).render(sample)
        except jinja2.UndefinedError:
            missing = sorted(names - set(sample)) or sorted(names)
            raise TemplateProblem(
                f"placeholder {missing[0]!r} needs a spoken fallback, e.g. "
                f'{{{{ {missing[0]} | default("...") }}}}'
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateProblem(f"placeholder cannot render: {exc}") from None
    return names


def render(text: str, values: Mapping[str, str]) -> str:
    """The line with saved values filled in (empty values count as not saved)."""
    if not has_placeholders(text):
        return text
    context = {k: v for k, v in values.items() if v is not None and str(v).strip()}
    return " ".join(_compile(text).render(context).split())
