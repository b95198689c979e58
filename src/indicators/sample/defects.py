"""The few deliberately bad rows planted in the sample exports (see the package docstring).

Each function takes a *rendered* frame (headers and values as the file shows them), its
:class:`FileSpec` and a random generator, and returns the frame with the bad rows inserted at
random positions. Bad rows are copies of real rows with a fresh identifier (the trailing digits
replaced by 9s, e.g. ``SM-2023-999999``) and one thing broken, so the rest of the data stays intact.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl

from indicators.sample.writers import DATE_FORMATS, FileSpec


def fresh_id(value: str, k: int) -> str:
    """``value`` with its trailing number replaced by the k-th highest number of that width."""
    match = re.search(r"(\d+)$", value)
    if not match:
        return f"{value}-X{k}"
    width = len(match.group(1))
    return value[: match.start()] + str(10**width - 1 - k).zfill(width)


def _copy(frame: pl.DataFrame, idx: int, changes: dict[str, object]) -> pl.DataFrame:
    row = frame.slice(idx, 1)
    return row.with_columns([pl.lit(v, dtype=frame.schema[c]).alias(c) for c, v in changes.items()])


def _insert(frame: pl.DataFrame, rows: list[pl.DataFrame], rng: np.random.Generator) -> pl.DataFrame:
    for row in rows:
        k = int(rng.integers(1, max(2, frame.height)))
        frame = pl.concat([frame.slice(0, k), row, frame.slice(k)])
    return frame


def _pick(frame: pl.DataFrame, rng: np.random.Generator, mask: pl.Series | None = None) -> int:
    candidates = np.arange(frame.height) if mask is None else np.flatnonzero(mask.fill_null(False).to_numpy())
    return int(candidates[rng.integers(0, len(candidates))])


def _shift(text: str, style: str, days: int) -> str:
    fmt = DATE_FORMATS[style]
    return (dt.datetime.strptime(text, fmt).date() + dt.timedelta(days=days)).strftime(fmt)


def _impossible_date(style: str, year: int, month: int, day: int) -> str:
    """A date that does not exist (e.g. 30 February), written in the file's date style."""
    return {
        "iso": f"{year}-{month:02d}-{day:02d}",
        "dmy_dash": f"{day:02d}-{month:02d}-{year}",
        "dmy_dot": f"{day:02d}.{month:02d}.{year}",
    }[style]


def student_reexport(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """Bad date, end before start, unknown mobility type, and two rows sharing one mobility id."""
    h = spec.headers
    mid, start, end = h["mobility_id"], h["start_date"], h["end_date"]
    dated = frame[end].is_not_null() & frame[start].is_not_null()
    i1, i2, i3 = (_pick(frame, rng, dated) for _ in range(3))
    bad = [
        _copy(
            frame,
            i1,
            {mid: fresh_id(frame[mid][i1], 0), start: _impossible_date(spec.date_style, 2023, 2, 30)},
        ),
        _copy(
            frame, i2, {mid: fresh_id(frame[mid][i2], 1), end: _shift(frame[start][i2], spec.date_style, -30)}
        ),
        _copy(frame, i3, {mid: fresh_id(frame[mid][i3], 2), h["mobility_type"]: "forskningsvistelse"}),
    ]
    frame = _insert(frame, bad, rng)
    # The same stay twice with different statuses: the file contradicts itself.
    status_values = spec.values.get("status", {})
    completed = status_values.get("completed", "completed")
    i4 = _pick(frame, rng, frame[h["status"]] == completed)
    twin = _copy(frame, i4, {h["status"]: status_values.get("discontinued", "discontinued")})
    return pl.concat([frame.slice(0, i4 + 1), twin, frame.slice(i4 + 1)])


def student_old_export(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """A wrong personnummer check digit, a missing partner country, and one row exported twice."""
    h = spec.headers
    mid, sid = h["mobility_id"], h["student_id"]
    pnr_like = frame[sid].str.contains(r"^\d{6,8}-?\d{4}$")
    i1 = _pick(frame, rng, pnr_like)
    good = frame[sid][i1]
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    i2 = _pick(frame, rng)
    bad = [
        _copy(frame, i1, {mid: fresh_id(frame[mid][i1], 0), sid: wrong}),
        _copy(frame, i2, {mid: fresh_id(frame[mid][i2], 1), h["partner_country"]: None}),
    ]
    frame = _insert(frame, bad, rng)
    i3 = _pick(frame, rng)
    return pl.concat([frame.slice(0, i3 + 1), frame.slice(i3, 1), frame.slice(i3 + 1)])


def staff(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """A start date that does not exist (31 November)."""
    h = spec.headers
    i = _pick(frame, rng)
    row = _copy(
        frame,
        i,
        {
            h["mobility_id"]: fresh_id(frame[h["mobility_id"]][i], 0),
            h["start_date"]: _impossible_date(spec.date_style, 2021, 11, 31),
        },
    )
    return _insert(frame, [row], rng)


def agreements(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """An agreement that ends before it starts."""
    h = spec.headers
    i = _pick(frame, rng)
    row = _copy(
        frame,
        i,
        {
            h["agreement_id"]: fresh_id(frame[h["agreement_id"]][i], 0),
            h["valid_to"]: _shift(frame[h["valid_from"]][i], spec.date_style, -400),
        },
    )
    return _insert(frame, [row], rng)


def activities(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """An activity whose category is not one of the contract's."""
    h = spec.headers
    i = _pick(frame, rng)
    row = _copy(
        frame, i, {h["activity_id"]: fresh_id(frame[h["activity_id"]][i], 0), h["category"]: "konferens"}
    )
    return _insert(frame, [row], rng)


def graduates(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """A degree without its (required) programme code."""
    h = spec.headers
    i = _pick(frame, rng)
    return _insert(frame, [_copy(frame, i, {h["programme_code"]: None})], rng)
