"""The T-number crosswalk (``crosswalk_file``): a T-number → personnummer pair a line, so that a
person who got a personnummer after a Ladok T-number keeps one pseudonym. The file holds
personnummer in clear: a mistake in it is one line naming the file and the line, never a value."""

from __future__ import annotations

import datetime as dt

from indicators.config import ConfigError, Settings

CROSSWALK_FORM = "a UTF-8 CSV file with the header t_number,personnummer and one pair a line"


def load_crosswalk(settings: Settings) -> dict[str, str]:
    """T-number → personnummer pairs (CSV with a header ``t_number,personnummer``).

    The file holds personnummer in clear: a mistake in it is one line naming the file and the line,
    never its values (nor a parser's message quoting them), and every message is redacted."""
    path = settings.crosswalk_file
    if path is None:
        return {}
    import csv
    import io

    from indicators.redact import redact_text

    where = f"crosswalk_file {redact_text(str(path))}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{where} does not exist: point crosswalk_file (pipelines/nightly.yml or "
            "INDICATORS_CROSSWALK_FILE) at the T-number crosswalk, or remove the setting"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"{where} cannot be read ({why}): it must be {CROSSWALK_FORM}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    pairs: dict[str, str] = {}
    first_line: dict[str, int] = {}
    try:
        header = [name.strip() for name in next(reader, [])]
        if not {"t_number", "personnummer"} <= set(header):
            raise ConfigError(
                f"{where}: its header is not t_number,personnummer: it must be {CROSSWALK_FORM}"
            )
        t_at, p_at = header.index("t_number"), header.index("personnummer")
        for row in reader:
            if not any(field.strip() for field in row):
                continue  # a blank line
            if len(row) != len(header):
                raise ConfigError(
                    f"{where} line {reader.line_num}: {len(row)} fields where the header has "
                    f"{len(header)}: it must be {CROSSWALK_FORM}"
                )
            t_number, number = row[t_at].strip(), row[p_at].strip()
            if t_number in pairs and pairs[t_number] != number:
                raise ConfigError(
                    f"{where} line {reader.line_num}: the T-number of line {first_line[t_number]} again, "
                    "with another personnummer: keep the one that is right"
                )
            pairs[t_number] = number
            first_line.setdefault(t_number, reader.line_num)
    except csv.Error as exc:  # e.g. a quote never closed; the message may quote a value: redacted
        raise ConfigError(
            f"{where} line {reader.line_num}: not CSV ({redact_text(str(exc))}): it must be {CROSSWALK_FORM}"
        ) from None
    _check_crosswalk_values(pairs, first_line, where)
    return pairs


def _check_crosswalk_values(pairs: dict[str, str], first_line: dict[str, int], where: str) -> None:
    """Every pair a T-number and a valid personnummer (check digit, date): a pair that is not was
    dropped without a word, and its person kept two pseudonyms. The line is named, the values never."""
    if not pairs:
        return
    import polars as pl

    from indicators.identity import INVALID, normalise_person_ids

    t_numbers = normalise_person_ids(pl.Series(list(pairs), dtype=pl.String), dt.date.today().year).to_list()
    numbers = normalise_person_ids(
        pl.Series(list(pairs.values()), dtype=pl.String), dt.date.today().year
    ).to_list()
    for (t_number, _), t_canonical, canonical in zip(pairs.items(), t_numbers, numbers, strict=True):
        line = first_line[t_number]
        if t_canonical in (None, INVALID) or "T" not in t_canonical:
            raise ConfigError(f"{where} line {line}: t_number is not a T-number (YYMMDD-TNNN)")
        if canonical in (None, INVALID) or "T" in canonical or len(canonical) != 12:
            raise ConfigError(
                f"{where} line {line}: personnummer is not a valid personnummer (its date or check digit)"
            )
