"""EWP IIA get-response XML → one row per agreement, in the canonical `agreements` fields.

The file is untrusted input. It is parsed with defusedxml: a DTD, any entity declaration
(so every entity-expansion bomb) and every external reference are refused, so nothing is
ever read from the local disk or the network through the XML. The file size and the number
of elements are capped, and the tree is released IIA by IIA, so a hostile file can neither
exhaust memory nor hang the run. Every way a file can fail is a `ReaderError` whose message
is the rejection reason; nothing of the file's content goes into a message except parser
positions.

Versions: elements are matched on their local names, so the namespace (stable-v7, v6, v2 …)
does not matter. Differences handled:

* validity years — v7: `receiving-first-academic-year-id` / `receiving-last-academic-year-id`;
  v6 and v2: a list of `receiving-academic-year-id`;
* ISCED — v6/v7: `subject-area/isced-f-code`; v2: `isced-f-code` directly in the spec.
  Every `isced-f-code` below a spec counts.

Columns (all `String` except `_row_number`, `Int64`, the 1-based position of the `iia`):

* `agreement_id` — the home partner's `iia-id`, else the first partner's `iia-id` that is given.
* `partner_code` — `hei-id` of the first partner that is not the home HEI, as written in the file.
* `partner_name` — a non-standard `name` child of that partner if an export adds one, else its
  `hei-id`. EWP carries no institution name; the contacts are *persons* (personal data) and the
  `iia-code` is an agreement number, so neither is used as a name.
* `partner_country` — the partner `hei-id`'s top-level domain when it is a two-letter country
  code (`uk` → `GB`) or a Spanish region's (`uab.cat`, `ehu.eus`, `.gal` → `ES`), else the `hei-id`
  itself (`ub.edu`, `eui.eu`): no country, so the ingest quarantines the row naming it, unless the
  contract's `partner_country` `values:` gives it one (`ES: [ub.edu]`).
* `agreement_type` — always `erasmus_iia`.
* `valid_from` / `valid_to` — 1 July of the first year of the earliest receiving academic year /
  30 June of the second year of the latest one, over all specs (ISO dates); a southern hemisphere
  year (`2020/2020`, a calendar year) runs 1 January - 31 December.
* `programme_codes`, `strategic` — null (EWP has neither).
* `isced_codes` — distinct `isced-f-code` values of all specs, sorted, `;`-joined.
* `student_places` — sum of `mobilities-per-year` of `student-studies-mobility-spec`s whose
  `sending-hei-id` is the home HEI (places for our outgoing students).
* `traineeship_places` — the same for `student-traineeship-mobility-spec`s.
* `incoming_student_places` — the same for `student-studies-mobility-spec`s whose
  `receiving-hei-id` is the home HEI.
* `staff_teaching` / `staff_training` — `"true"` if the IIA has any `staff-teacher-mobility-spec` /
  `staff-training-mobility-spec`, in either direction (the agreement provides for teacher / staff
  exchange with this partner), else `"false"`.
* `last_reviewed_on` — the latest partner `signing-date` (ISO date), else null.

An IIA none of whose partners is the home HEI (the setting `home_hei_id`) is quarantined with the
reason in `__reader_reason__`: it is no agreement of the faculty's, or the setting is wrong.

An IIA that is no agreement in force is left out (the column `__left_out__` says why, and the
file's note counts it): `in-effect` false (a draft or a proposal, not agreed on; the element is
required in every version, an IIA without it is read as in effect) and `cooperation-conditions`
with `terminated-as-a-whole="true"` (v7: ended before any exchange took place).

Places are `"0"` when the IIA has no spec in that direction, null when it has such specs but none
states `mobilities-per-year`. A `mobilities-per-year` flagged `not-yet-defined="true"` (v7: a
placeholder in an agreement approved under v6 without a number) states none. A value the reader cannot interpret (a non-integer number of places,
a malformed academic year) is passed through as written (shortened) so that the ingest quarantines
the row with a reason instead of the reader guessing.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et
import polars as pl

from indicators.derive import LEFT_OUT, READER_REASON
from indicators.readers.errors import ReaderError
from indicators.redact import redact_text

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ELEMENTS = 5_000_000
# an EWP IIA get-response nests six deep (a recommended language skill's CEFR level); a file of
# elements nested a million deep (12 MB) took the parser 17 s and 600 MB before its one row
MAX_DEPTH = 64
MAX_RAW_VALUE_CHARS = 40

ROOT_ELEMENT = "iias-get-response"
STUDIES = "student-studies-mobility-spec"
TRAINEESHIP = "student-traineeship-mobility-spec"
STAFF_TEACHER = "staff-teacher-mobility-spec"
STAFF_TRAINING = "staff-training-mobility-spec"
SPEC_ELEMENTS = (STUDIES, TRAINEESHIP, STAFF_TEACHER, STAFF_TRAINING)

COLUMNS = (
    "agreement_id",
    "partner_code",
    "partner_name",
    "partner_country",
    "agreement_type",
    "valid_from",
    "valid_to",
    "programme_codes",
    "isced_codes",
    "student_places",
    "traineeship_places",
    "incoming_student_places",
    "staff_teaching",
    "staff_training",
    "strategic",
    "last_reviewed_on",
)
SCHEMA: dict[str, Any] = {**{column: pl.String for column in COLUMNS}, "_row_number": pl.Int64}

_ACADEMIC_YEAR = re.compile(r"(\d{4})/(\d{4})")
_PLACES = re.compile(r"\d{1,9}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# uk is GB; Catalonia's, the Basque Country's and Galicia's own domains hold Spanish universities (uab.cat)
_TLD_TO_COUNTRY = {"uk": "GB", "cat": "ES", "eus": "ES", "gal": "ES"}
# Two-letter top-level domains that are not ISO 3166-1 alpha-2 country codes.
_NOT_COUNTRIES = {"eu", "ac", "su", "tp", "yu", "an"}


def read_ewp_iia(path: Path | bytes, home_hei_id: str = "lu.se") -> pl.DataFrame:
    """Read an EWP IIA get-response file (its path, or its bytes); one row per `iia`, canonical
    agreements fields."""
    home = home_hei_id.strip().casefold()
    data = path if isinstance(path, bytes) else _read_capped(Path(path))
    if len(data) > MAX_FILE_BYTES:
        raise ReaderError(_too_large(len(data)))
    if not data.strip():
        raise ReaderError("empty file")
    rows, left_out, reasons = [], [], []
    for number, iia in enumerate(_iias(data), start=1):
        rows.append(_agreement(iia, home, number))
        left_out.append(_not_in_force(iia))
        reasons.append(_not_ours(iia, home, home_hei_id.strip()))
    if not rows:
        raise ReaderError(
            "no iia elements: the get-response holds no agreement (the EWP server knew none of the IIAs asked "
            "for); deliver one that holds the agreements"
        )
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    if any(left_out):
        frame = frame.with_columns(pl.Series(LEFT_OUT, left_out, dtype=pl.String))
    if any(reasons):
        frame = frame.with_columns(pl.Series(READER_REASON, reasons, dtype=pl.String))
    return frame


def _not_ours(iia: Element, home: str, shown: str) -> str | None:
    """Why an IIA none of whose partners is the home HEI is quarantined (it would load as the home
    HEI's agreement with its first partner), or None."""
    heis = [_child_text(p, "hei-id") for p in _children(iia, "partner")]
    if any(_is(hei, home) for hei in heis):
        return None
    listed = ", ".join(repr(redact_text(_raw(hei))) for hei in heis if hei) or "none"
    return (
        f"none of the IIA's partners is the home HEI {shown!r} (its partners' hei-id: {listed}): an "
        "agreement of other institutions, or the setting home_hei_id (pipelines/nightly.yml) is not "
        "the faculty's own EWP hei-id"
    )


NOT_IN_EFFECT = "not in effect (in-effect false: a draft or a proposal, not agreed on)"
TERMINATED = "terminated as a whole (terminated-as-a-whole: ended before any exchange took place)"


def _not_in_force(iia: Element) -> str | None:
    """Why an IIA is no agreement in force, or None: a draft (``in-effect`` false) or one terminated
    as a whole. An IIA without ``in-effect`` (older or hand-made files) is read as in effect."""
    if (_child_text(iia, "in-effect") or "").casefold() in ("false", "0"):
        return NOT_IN_EFFECT
    for conditions in _children(iia, "cooperation-conditions"):
        if (conditions.get("terminated-as-a-whole") or "").strip().casefold() in ("true", "1"):
            return TERMINATED
    return None


def _read_capped(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
            size = max(len(data), os.fstat(handle.fileno()).st_size)
    except OSError as error:
        raise ReaderError(f"cannot read the file ({error.strerror or type(error).__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ReaderError(_too_large(size))
    return data


def _too_large(size: int) -> str:
    return (
        f"XML of {size / (1024 * 1024):,.1f} MB, larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB an EWP IIA "
        "get-response may be (the faculty's agreements take a few MB): deliver the agreements in files of "
        "fewer iia elements each"
    )


def _iias(data: bytes):
    """Yield each `iia` directly under the root, releasing it once the caller has used it.

    The caller turns each into a row and returns only after the last one, so a file that breaks
    off or goes bad anywhere is rejected whole (no partial load of the agreements before it).
    """
    events = safe_et.iterparse(
        io.BytesIO(data), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    root: Element | None = None
    depth = 0
    elements = 0
    while True:
        try:
            event, element = next(events)
        except StopIteration:
            break
        except defusedxml.DefusedXmlException:
            raise ReaderError("XML with a DTD or entities is not accepted") from None
        except ParseError as error:
            raise ReaderError(f"not well-formed XML: {str(error)[:120]}") from None
        except LookupError:
            raise ReaderError("not readable as XML: unknown character encoding") from None
        except Exception as error:  # anything else the parser raises is a bad file, never a crash
            raise ReaderError(f"not readable as XML ({type(error).__name__})") from None
        if event == "start":
            depth += 1
            elements += 1
            if elements > MAX_ELEMENTS:
                raise ReaderError(f"more than {MAX_ELEMENTS:,} XML elements is not accepted")
            if depth > MAX_DEPTH:
                raise ReaderError(
                    f"XML elements nested more than {MAX_DEPTH} deep (an EWP IIA get-response nests fewer than ten): "
                    "not an IIA export; deliver the get-response the EWP system writes"
                )
            if root is None:
                root = element
                if _local(element.tag) != ROOT_ELEMENT:
                    raise ReaderError(
                        f"not an EWP IIA get-response (root element {redact_text(_local(element.tag))[:60]!r}): "
                        "deliver the IIAs' get-response (root element iias-get-response), which holds the "
                        "agreements themselves"
                    )
            continue
        depth -= 1
        if depth == 1 and root is not None:
            if _local(element.tag) == "iia":
                yield element
            root.remove(element)


def _agreement(iia: Element, home: str, number: int) -> tuple[Any, ...]:
    partners = _children(iia, "partner")
    home_partner = next((p for p in partners if _is(_child_text(p, "hei-id"), home)), None)
    other = next((p for p in partners if not _is(_child_text(p, "hei-id"), home)), None)

    agreement_id = _child_text(home_partner, "iia-id") if home_partner is not None else None
    if agreement_id is None:
        agreement_id = next((i for i in (_child_text(p, "iia-id") for p in partners) if i), None)

    partner_code = _child_text(other, "hei-id") if other is not None else None
    partner_name = (_child_text(other, "name") if other is not None else None) or partner_code

    specs: dict[str, list[Element]] = {name: [] for name in SPEC_ELEMENTS}
    for conditions in _children(iia, "cooperation-conditions"):
        for spec in conditions:
            name = _local(spec.tag)
            if name in specs:
                specs[name].append(spec)
    every_spec = [spec for name in SPEC_ELEMENTS for spec in specs[name]]

    def sent(spec: Element) -> bool:
        return _is(_child_text(spec, "sending-hei-id"), home)

    def received(spec: Element) -> bool:
        return _is(_child_text(spec, "receiving-hei-id"), home)

    valid_from, valid_to = _validity(every_spec)
    return (
        agreement_id,
        partner_code,
        partner_name,
        _country(partner_code) or (_raw(partner_code) if partner_code else None),
        "erasmus_iia",
        valid_from,
        valid_to,
        None,
        _isced_codes(every_spec),
        _places([s for s in specs[STUDIES] if sent(s)]),
        _places([s for s in specs[TRAINEESHIP] if sent(s)]),
        _places([s for s in specs[STUDIES] if received(s)]),
        "true" if specs[STAFF_TEACHER] else "false",
        "true" if specs[STAFF_TRAINING] else "false",
        None,
        _latest_signing_date(partners),
        number,
    )


def _validity(specs: list[Element]) -> tuple[str | None, str | None]:
    """(1 July of the earliest receiving academic year, 30 June ending the latest one)."""
    firsts: list[str] = []
    lasts: list[str] = []
    for spec in specs:
        for child in spec:
            name = _local(child.tag)
            text = _text(child)
            if text is None:
                continue
            if name in ("receiving-first-academic-year-id", "receiving-academic-year-id"):
                firsts.append(text)
            if name in ("receiving-last-academic-year-id", "receiving-academic-year-id"):
                lasts.append(text)
    return _year_bound(firsts, earliest=True), _year_bound(lasts, earliest=False)


def _year_bound(year_ids: list[str], *, earliest: bool) -> str | None:
    """The first day of the earliest academic year (``earliest``), else the last day of the latest.

    A northern hemisphere year ``2019/2020`` runs 1 July 2019 - 30 June 2020; a southern hemisphere
    one, written ``2020/2020`` (EWP's AcademicYearId: a partner whose year is the calendar year, the
    receiving partner's scheme), 1 January - 31 December 2020."""
    bounds: list[tuple[str, str]] = []
    for year_id in year_ids:
        match = _ACADEMIC_YEAR.fullmatch(year_id)
        if match is None or int(match[2]) - int(match[1]) not in (0, 1):
            return _raw(year_id)  # the ingest quarantines the row: not a date
        first, second = int(match[1]), int(match[2])
        if first == second:
            bounds.append((f"{first:04d}-01-01", f"{second:04d}-12-31"))
        else:
            bounds.append((f"{first:04d}-07-01", f"{second:04d}-06-30"))
    if not bounds:
        return None
    return min(start for start, _ in bounds) if earliest else max(end for _, end in bounds)


def _places(specs: list[Element]) -> str | None:
    if not specs:
        return "0"
    total = 0
    stated = False
    for spec in specs:
        text = _child_text(spec, "mobilities-per-year")
        if text is None or _not_yet_defined(spec, "mobilities-per-year"):
            continue
        if _PLACES.fullmatch(text) is None:
            return _raw(text)  # the ingest quarantines the row: not an integer
        total += int(text)
        stated = True
    return str(total) if stated else None


def _not_yet_defined(element: Element, name: str) -> bool:
    """Whether the child ``name`` is a v7 placeholder: ``not-yet-defined="true"`` marks a value an
    agreement approved under v6 never stated (v7 requires one, so a number stands in for it)."""
    flags = [(child.get("not-yet-defined") or "").strip().casefold() for child in _children(element, name)]
    return any(flag in ("true", "1") for flag in flags)


def _isced_codes(specs: list[Element]) -> str | None:
    codes = set()
    for spec in specs:
        for element in spec.iter():
            if _local(element.tag) == "isced-f-code":
                text = _text(element)
                if text:
                    codes.update(part.strip() for part in text.split(";") if part.strip())
    return ";".join(sorted(codes)) or None


def _latest_signing_date(partners: list[Element]) -> str | None:
    dates = []
    for partner in partners:
        text = _child_text(partner, "signing-date")
        if text and _ISO_DATE.match(text):
            try:
                dates.append(dt.date.fromisoformat(text[:10]))
            except ValueError:
                continue
    return max(dates).isoformat() if dates else None


def _country(hei_id: str | None) -> str | None:
    if not hei_id:
        return None
    tld = hei_id.strip().rstrip(".").rsplit(".", 1)[-1].lower()
    if "." in hei_id.strip().rstrip(".") and tld in _TLD_TO_COUNTRY:
        return _TLD_TO_COUNTRY[tld]
    if "." not in hei_id.strip().rstrip(".") or len(tld) != 2 or not tld.isascii() or not tld.isalpha():
        return None
    if tld in _NOT_COUNTRIES:
        return None
    return _TLD_TO_COUNTRY.get(tld, tld.upper())


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element) -> str | None:
    text = (element.text or "").strip()
    return text or None


def _child_text(element: Element | None, name: str) -> str | None:
    for child in _children(element, name):
        text = _text(child)
        if text is not None:
            return text
    return None


def _is(hei_id: str | None, home: str) -> bool:
    return hei_id is not None and hei_id.casefold() == home


def _raw(text: str) -> str:
    """A value passed through as written, shortened: redacted first, so that the cut never leaves
    part of a personnummer the redaction would no longer see (``…, 19000101-9``)."""
    return redact_text(text)[:MAX_RAW_VALUE_CHARS]
