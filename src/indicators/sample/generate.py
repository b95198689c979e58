"""Write a synthetic inbox of export files for a Faculty of Medicine (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl

from indicators.sample import defects
from indicators.sample import reference as ref
from indicators.sample.sources import activities, agreements, registers, staff_mobility, student_mobility
from indicators.sample.sources.world import S_DEFECTS, World, staff_pool
from indicators.sample.writers import FileSpec, canonical_spec, render, write, write_csv, write_ewp_iias

OLD_EXPORT = dt.date(2022, 11, 15)  # the first student-mobility export (2013/14–2022/23)
NEW_EXPORT = dt.date(2025, 9, 1)  # the re-export (2021/22–2024/25) and every other export
OLD_YEARS = range(student_mobility.FIRST_YEAR, 2023)
NEW_YEARS = range(2021, ref.LAST_YEAR + 1)
STAMP = NEW_EXPORT.isoformat()

# --------------------------------------------------------------------------------- how each file looks
SV_STUDENT_VALUES = {
    "direction": {"outgoing": "utresande", "incoming": "inresande"},
    "level": {"first_cycle": "grundnivå", "second_cycle": "avancerad nivå", "third_cycle": "forskarnivå"},
    "mobility_type": {
        "studies": "utbytesstudier",
        "clinical_placement": "klinisk praktik",
        "traineeship": "praktik",
        "degree_project": "examensarbete",
        "short_term": "kortare utbyte",
        "blended": "BIP",
        "virtual": "virtuellt",
    },
    "scheme": {
        "erasmus_plus": "Erasmus+",
        "nordplus": "Nordplus",
        "linnaeus_palme": "Linnaeus-Palme",
        "bilateral": "bilateralt avtal",
        "freemover": "freemover",
        "other": "övrigt",
    },
    "status": {
        "nominated": "nominerad",
        "accepted": "antagen",
        "ongoing": "pågående",
        "completed": "avslutad",
        "withdrawn": "återbud",
        "discontinued": "avbrott",
    },
    "gender": {"female": "kvinna", "male": "man", "other": "annat", "unknown": "okänt"},
}
EN_STUDENT_VALUES = {
    "level": {"first_cycle": "first cycle", "second_cycle": "second cycle", "third_cycle": "third cycle"},
    "mobility_type": {
        "clinical_placement": "clinical placement",
        "degree_project": "degree project",
        "short_term": "short-term",
        "blended": "blended mobility",
        "virtual": "virtual mobility",
    },
    "scheme": {
        "erasmus_plus": "Erasmus+",
        "nordplus": "Nordplus",
        "linnaeus_palme": "Linnaeus-Palme",
        "freemover": "free mover",
    },
}

STUDENT_OLD = FileSpec(
    name="student_mobility_2022-11-15.xlsx",
    fmt="xlsx",
    sheet="SoleMove export",
    headers={
        "mobility_id": "Mobility ID",
        "student_id": "Student ID",
        "direction": "Direction",
        "programme_code": "Programme code",
        "level": "Study level",
        "mobility_type": "Mobility type",
        "scheme": "Exchange programme",
        "partner_code": "Erasmus code",
        "partner_name": "Partner institution",
        "partner_country": "Country",
        "start_date": "Start date",
        "end_date": "End date",
        "term": "Semester",
        "status": "Status",
        "credits_ects": "ECTS credits",
        "gender": "Gender",
    },
    values=EN_STUDENT_VALUES,
    person_columns=("student_id",),
    person_style="long_dash",
    term_style="ewp",
    eu_country_codes=True,
)
STUDENT_NEW = FileSpec(
    name=f"student_mobility_{STAMP}.csv",
    sep=";",
    encoding="utf-8-sig",
    headers={
        "mobility_id": "Utbytes-ID",
        "student_id": "Personnummer",
        "direction": "Riktning",
        "programme_code": "Programkod",
        "level": "Nivå",
        "mobility_type": "Typ av utbyte",
        "scheme": "Program/avtal",
        "partner_code": "Erasmuskod",
        "partner_country": "Land",
        "start_date": "Startdatum",
        "end_date": "Slutdatum",
        "term": "Termin",
        "status": "Utbytesstatus",
        "credits_ects": "Högskolepoäng",
        "gender": "Kön",
    },
    values=SV_STUDENT_VALUES,
    person_columns=("student_id",),
    date_style="iso",
)
STAFF = FileSpec(
    name=f"staff_mobility_{STAMP}.csv",
    sep=";",
    encoding="cp1252",
    crlf=True,
    date_style="dmy_dot",
    headers={
        "mobility_id": "UtbytesID",
        "staff_id": "Personnummer",
        "direction": "Riktning",
        "staff_category": "Personalkategori",
        "mobility_type": "Typ av utbyte",
        "programme_code": "Programkod",
        "partner_code": "Erasmuskod",
        "partner_name": "Lärosäte",
        "partner_country": "Land",
        "start_date": "Startdatum",
        "end_date": "Slutdatum",
        "scheme": "Finansiering",
        "status": "Status",
    },
    values={
        "direction": {"outgoing": "utresande", "incoming": "inresande"},
        "staff_category": {"teacher": "lärare", "other": "övrig personal"},
        "mobility_type": {"teaching": "undervisning", "training": "fortbildning", "other": "övrigt"},
        "scheme": {
            "erasmus_plus": "Erasmus+",
            "nordplus": "Nordplus",
            "linnaeus_palme": "Linnaeus-Palme",
            "bilateral": "bilateralt",
            "other": "annat",
        },
        "status": {"completed": "genomförd", "withdrawn": "återbud", "accepted": "beviljad"},
    },
    person_columns=("staff_id",),
)
PROGRAMMES = FileSpec(
    name="programmes.xlsx",
    fmt="xlsx",
    sheet="Programkatalog",
    headers={
        "programme_code": "Programkod",
        "name_sv": "Benämning",
        "name_en": "Engelskt namn",
        "level": "Nivå",
        "active_from": "Startläsår",
        "active_to": "Slutläsår",
    },
    values={"level": {"first_cycle": "grundnivå", "second_cycle": "avancerad nivå"}},
    year_columns=("active_from", "active_to"),
    year_style="short",
)
AGREEMENTS = FileSpec(
    name=f"agreements_{STAMP}.csv",
    date_style="dmy_dash",
    headers={
        "agreement_id": "AGREEMENT NUMBER",
        "partner_code": "erasmus_code",
        "partner_name": "Partner institution",
        "partner_country": "country",
        "agreement_type": "Agreement-type",
        "valid_from": "Valid from",
        "valid_to": "Valid to",
        "programme_codes": "Programme codes",
        "isced_codes": "ISCED-F",
        "student_places": "Student places",
        "traineeship_places": "Traineeship places",
        "incoming_student_places": "Incoming places",
        "staff_teaching": "STA",
        "staff_training": "Staff training",
        "strategic": "Strategic partner",
        "last_reviewed_on": "Last reviewed",
    },
    values={"agreement_type": {"erasmus_iia": "Erasmus+", "strategic_partnership": "strategic partnership"}},
    bools={"staff_training": "one_zero", "strategic": "x_empty"},
)
CIM = FileSpec(
    name=f"cim_awards_{STAMP}.csv",
    headers={
        "certificate_id": "Intygsnummer",
        "student_id": "Personnummer",
        "programme_code": "Programkod",
        "awarded_on": "Utfärdat",
        "activities_home": "Aktiviteter hemma",
        "activities_abroad": "Aktiviteter utomlands",
    },
    person_columns=("student_id",),
    person_style="short_dash",
)
GRADUATES = FileSpec(
    name=f"graduates_{STAMP}.xlsx",
    fmt="xlsx",
    sheet="Examina",
    headers={
        "student_id": "Personnummer",
        "programme_code": "Programkod",
        "degree_date": "Examensdatum",
        "degree_code": "Examenskod",
    },
    person_columns=("student_id",),
    person_style="long",
)
ENROLMENTS = FileSpec(
    name=f"enrolments_{STAMP}.csv",
    sep=";",
    encoding="utf-8-sig",
    headers={"programme_code": "Programkod", "term": "Termin", "registered_students": "Antal registrerade"},
)
REGISTER = FileSpec(
    name="programme_register_2025.xlsx",
    fmt="xlsx",
    sheet="Programuppföljning",
    headers={
        "academic_year": "Läsår",
        "programme_code": "Programkod",
        "mobility_window": "Mobilitetsfönster",
        "mobility_window_term": "Termin för mobilitetsfönster",
        "english_taught_parts": "Kurser på engelska",
        "virtual_exchange": "Virtuellt utbyte",
        "teacher_mobility_partners": "Partner för lärarutbyte",
        "obstacles_identified_on": "Hinder identifierade",
        "global_health_reviewed_on": "Global hälsa granskad",
        "sdg_reviewed_on": "Agenda 2030 granskad",
        "portfolio_reviewed_on": "Avtalsportfölj granskad",
        "integration_reviewed_on": "Integration granskad",
        "teacher_mobility_info_reviewed_on": "Informationskanaler granskade",
        "comment": "Kommentar",
    },
    bools={"mobility_window": "ja_nej", "virtual_exchange": "x_empty"},
    year_columns=("academic_year",),
    year_style="la",
)
ACTIVITIES = FileSpec(
    name=f"activities_{STAMP}.csv",
    date_style="dmy_dot",
    headers={
        "activity_id": "Activity ID",
        "activity_date": "Date",
        "category": "Category",
        "programme_code": "Program",
        "title": "Title",
        "student_participants": "Students",
        "teacher_participants": "Teachers",
        "teacher_ids": "Teacher IDs",
        "partner_code": "Partner code",
        "network": "Network",
    },
    values={
        "category": {
            "iah_activity": "internationalisation at home",
            "student_engagement": "student engagement",
            "teacher_engagement": "lärarengagemang",
            "experience_sharing": "erfarenhetsutbyte",
            "virtual_exchange": "COIL",
            "integration": "integration",
        },
        "network": {"U21": "U21 Health Sciences"},
    },
)
BROKEN_STAFF_NAME = "staff_mobility_broken.csv"
STRAY_NAME = "README_from_registrar.txt"
STRAY_TEXT = """Hej!

Här kommer exporterna från Ladok och SoleMove inför uppföljningen av handlingsplanen.
Examina och registreringar är uttagna per 2025-09-01. Utbytena är uttagna två gånger:
en gång i november 2022 och en gång nu i september 2025 (den senare ersätter den tidigare
för de läsår som överlappar).

Personaluppgifterna i filen staff_mobility_broken.csv kom ur fel rapport – kolumnen för
riktning (in/ut) saknas. Den kan ni bortse från.

Hälsningar,
Studentavdelningen – Ladok-gruppen
"""


def _canonical_or(spec: FileSpec, large: bool, columns: list[str] | None = None) -> FileSpec:
    """The large-scale form of a file: plain UTF-8 comma CSV with canonical headers and values."""
    if not large:
        return spec
    return canonical_spec(
        spec.name.rsplit(".", 1)[0] + ".csv", columns or list(spec.headers), spec.person_columns
    )


class Sink:
    """One output file fed chunk by chunk: streamed as CSV in large mode, otherwise written at close."""

    def __init__(self, out_dir: Path, spec: FileSpec, stream: bool, plant=None, rng=None, prepare=None):
        self.path = out_dir / spec.name
        self.spec, self.stream, self.plant, self.rng, self.prepare = spec, stream, plant, rng, prepare
        self.parts: list[pl.DataFrame] = []
        self.written = False
        self.rows = 0

    def add(self, frame: pl.DataFrame) -> None:
        if self.prepare is not None:
            frame = self.prepare(frame)
        if frame.height == 0:
            return
        if not self.stream:
            self.parts.append(frame)
            return
        rendered = render(frame, self.spec)
        if not self.written and self.plant is not None:
            rendered = self.plant(rendered, self.spec, self.rng)
        write_csv(rendered, self.path, self.spec, append=self.written)
        self.written = True
        self.rows += rendered.height

    def close(self) -> Path:
        if self.stream and self.written:
            return self.path
        frame = pl.concat(self.parts, how="diagonal_relaxed") if self.parts else None
        if frame is None:
            raise ValueError(f"no rows for {self.spec.name}")
        rendered = render(frame, self.spec)
        if self.plant is not None:
            rendered = self.plant(rendered, self.spec, self.rng)
        write(rendered, self.path, self.spec)
        self.rows = rendered.height
        return self.path


def generate(
    out_dir: Path,
    scale: float = 1,
    seed: int = 2019,
    large_as_csv: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write a synthetic inbox of export files and return their paths (sorted by name).

    ``scale`` 1 is one faculty (about 500 student stays a year); every source grows in proportion
    (programme codes are repeated with a faculty suffix from scale 2). ``large_as_csv`` (default:
    ``scale > 1``) writes the large sources as plain UTF-8 comma CSV with canonical headers, one
    academic year at a time. Same ``seed`` and ``scale`` give byte-identical files.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    large = scale > 1 if large_as_csv is None else bool(large_as_csv)
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    partners = ref.load_partners(ref.repo_root_guess())
    world = World(scale=scale, seed=seed, programmes=pl.DataFrame(), partners=partners)
    world.programmes = registers.programmes(world)
    world.teachers = staff_pool(world)
    planting = world.rng(S_DEFECTS)
    paths: list[Path] = []

    say("programmes")
    sink = Sink(out_dir, PROGRAMMES, stream=False)
    sink.add(world.programmes)
    paths.append(sink.close())

    say("student_mobility")
    old = Sink(
        out_dir,
        _canonical_or(STUDENT_OLD, large),
        large,
        defects.student_old_export,
        planting,
        prepare=lambda f: student_mobility.status_as_of(
            f.filter(pl.col("start_date") < dt.date(2023, 7, 1)), OLD_EXPORT
        ),
    )
    new = Sink(
        out_dir,
        _canonical_or(STUDENT_NEW, large, list(STUDENT_OLD.headers)),
        large,
        defects.student_reexport,
        planting,
        prepare=lambda f: student_mobility.status_as_of(f, NEW_EXPORT),
    )
    for year in student_mobility.YEARS:
        say(f"student_mobility {year}/{(year + 1) % 100:02d}")
        chunk = student_mobility.student_year(world, year)
        if year in OLD_YEARS:
            old.add(chunk)
        if year in NEW_YEARS:
            new.add(chunk)
        del chunk
    paths += [old.close(), new.close()]

    say("graduates and cim_awards")
    candidates = pl.concat(world.graduate_candidates).unique("student_id", keep="first", maintain_order=True)
    world.graduate_candidates.clear()
    grads = Sink(out_dir, _canonical_or(GRADUATES, large), large, defects.graduates, planting)
    cims = Sink(out_dir, _canonical_or(CIM, large), large)
    for year in ref.YEARS:
        frame = registers.graduates_year(world, year, candidates.filter(pl.col("_degree_year") == year))
        grads.add(frame)
        cims.add(registers.cim_year(world, year, frame))
    del candidates
    paths += [grads.close(), cims.close()]

    say("staff_mobility")
    staff = Sink(out_dir, _canonical_or(STAFF, large), large, defects.staff, planting)
    for year in ref.YEARS:
        staff.add(staff_mobility.staff_year(world, year))
    paths.append(staff.close())
    paths.append(_write_broken_staff(out_dir, world))

    say("agreements")
    sink = Sink(out_dir, AGREEMENTS, stream=False, plant=defects.agreements, rng=planting)
    sink.add(agreements.agreements(world))
    paths.append(sink.close())
    ewp = out_dir / "agreements_ewp_iia.xml"
    write_ewp_iias(agreements.ewp_iias(world), ewp)
    paths.append(ewp)

    say("enrolments and programme_register")
    for spec, frame in (
        (ENROLMENTS, registers.enrolments(world)),
        (REGISTER, registers.programme_register(world)),
    ):
        sink = Sink(out_dir, spec, stream=False)
        sink.add(frame)
        paths.append(sink.close())

    say("activities")
    acts = Sink(out_dir, _canonical_or(ACTIVITIES, large), large, defects.activities, planting)
    for year in ref.YEARS:
        acts.add(activities.activities_year(world, year))
    paths.append(acts.close())

    stray = out_dir / STRAY_NAME
    stray.write_text(STRAY_TEXT, encoding="utf-8")
    paths.append(stray)
    say(f"wrote {len(paths)} files to {out_dir}")
    return sorted(paths)


def _write_broken_staff(out_dir: Path, world: World) -> Path:
    """A staff export from the wrong report: no direction column, so the file is rejected whole."""
    frame = staff_mobility.staff_year(world, 2023).head(10)
    columns = [c for c in STAFF.headers if c != "direction"]
    spec = FileSpec(
        name=BROKEN_STAFF_NAME,
        headers={c: c.replace("_", " ").capitalize() for c in columns},
        person_columns=("staff_id",),
        person_style="long_dash",
    )
    path = out_dir / spec.name
    write_csv(render(frame, spec), path, spec)
    return path
