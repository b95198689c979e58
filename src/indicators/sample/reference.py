"""Static reference data for the synthetic sample: programmes, partner institutions, weights.

Everything here is invented but plausible for a Swedish Faculty of Medicine. Partner institutions
that belong to U21 Health Sciences, LERU or EUGLOH come from ``seeds/partner_networks.csv`` when
the repository has it (so the warehouse's network seed and the sample agree); the rest are listed
below with Erasmus codes (European) or upper-cased EWP hei-ids (elsewhere), as the seed does.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# Academic years covered by the sample (start years): 2016/17 ... 2024/25.
FIRST_YEAR = 2016
LAST_YEAR = 2024
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))

HOME_HEI_ID = "lu.se"


@dataclass(frozen=True)
class Programme:
    code: str
    name_sv: str
    name_en: str
    level: str  # first_cycle / second_cycle
    active_from: int  # start year of the first academic year with students
    active_to: int | None  # start year of the last academic year, None while running
    mobility_weight: float  # relative share of the faculty's student mobility
    graduates: int  # degrees per year at scale 1
    registered: int  # registered students per term at scale 1
    isced: str
    degree_code: str
    years: int  # nominal length in years (first graduates after it)


PROGRAMMES: list[Programme] = [
    Programme(
        "MALAK",
        "Läkarprogrammet",
        "Medical Programme",
        "second_cycle",
        2016,
        None,
        34,
        120,
        1350,
        "0912",
        "LAKEX",
        5,
    ),
    Programme(
        "VGSJU",
        "Sjuksköterskeprogrammet",
        "Nursing Programme",
        "first_cycle",
        2016,
        None,
        20,
        190,
        960,
        "0913",
        "SSKEX",
        3,
    ),
    Programme(
        "VGFYS",
        "Fysioterapeutprogrammet",
        "Physiotherapy Programme",
        "first_cycle",
        2016,
        None,
        8,
        60,
        300,
        "0915",
        "FYSEX",
        3,
    ),
    Programme(
        "VGARB",
        "Arbetsterapeutprogrammet",
        "Occupational Therapy Programme",
        "first_cycle",
        2016,
        None,
        5,
        45,
        230,
        "0915",
        "ATEX",
        3,
    ),
    Programme(
        "VGRAD",
        "Röntgensjuksköterskeprogrammet",
        "Radiography Programme",
        "first_cycle",
        2016,
        None,
        4,
        35,
        170,
        "0914",
        "RSEX",
        3,
    ),
    Programme(
        "VGBMA",
        "Biomedicinska analytikerprogrammet",
        "Biomedical Laboratory Science Programme",
        "first_cycle",
        2016,
        None,
        4,
        40,
        200,
        "0914",
        "BMAEX",
        3,
    ),
    Programme(
        "MALOG",
        "Logopedprogrammet",
        "Speech and Language Pathology Programme",
        "second_cycle",
        2016,
        None,
        4,
        25,
        160,
        "0915",
        "LOGEX",
        4,
    ),
    Programme(
        "VGAUD",
        "Audionomprogrammet",
        "Audiology Programme",
        "first_cycle",
        2016,
        None,
        2,
        20,
        90,
        "0915",
        "AUDEX",
        3,
    ),
    Programme(
        "VABMO",
        "Barnmorskeprogrammet",
        "Midwifery Programme",
        "second_cycle",
        2016,
        None,
        3,
        30,
        60,
        "0913",
        "BMEX",
        2,
    ),
    Programme(
        "VAFHV",
        "Masterprogram i folkhälsovetenskap",
        "Master's Programme in Public Health",
        "second_cycle",
        2016,
        None,
        4,
        25,
        60,
        "0988",
        "MAFHV",
        2,
    ),
    Programme(
        "VASPE",
        "Specialistsjuksköterskeprogrammet – intensivvård",
        "Specialist Nursing Programme – Intensive Care",
        "second_cycle",
        2016,
        None,
        2,
        40,
        45,
        "0913",
        "SPEX",
        1,
    ),
    Programme(
        "VGNUT",
        "Nutritionsprogrammet",
        "Nutrition Programme",
        "first_cycle",
        2016,
        2020,
        2,
        20,
        90,
        "0915",
        "NUTEX",
        3,
    ),
    Programme(
        "VAMIN",
        "Masterprogram i medicinsk informatik",
        "Master's Programme in Medical Informatics",
        "second_cycle",
        2021,
        None,
        2,
        15,
        35,
        "0688",
        "MAMIN",
        2,
    ),
    Programme(
        "VAGLH",
        "Masterprogram i global hälsa",
        "Master's Programme in Global Health",
        "second_cycle",
        2016,
        None,
        4,
        25,
        50,
        "0988",
        "MAGLH",
        2,
    ),
    Programme(
        "VGPOD",
        "Fotterapeutprogrammet",
        "Podiatry Programme",
        "first_cycle",
        2016,
        2019,
        0.5,
        10,
        45,
        "0915",
        "FOTEX",
        3,
    ),
    Programme(
        "VABMV",
        "Masterprogram i biomedicin",
        "Master's Programme in Biomedicine",
        "second_cycle",
        2016,
        None,
        2,
        20,
        70,
        "0511",
        "MABMV",
        2,
    ),
]

# Integrated programmes whose early years are first-cycle courses.
INTEGRATED = {"MALAK", "MALOG"}

# Programme codes seen in the exchange system but not in the catalogue (old or mistyped codes).
UNKNOWN_PROGRAMME_CODES = ["VGSJ2", "MAMED", "VGLOG"]


def faculty_suffix(faculty: int) -> str:
    """Programme-code suffix for the n-th copy of the faculty at large scales ('' for the first)."""
    return "" if faculty == 0 else f"{faculty:03d}"


# (code, name, ISO country, EWP hei-id). Names are Windows-1252 safe (they also go to cp1252 files).
OTHER_PARTNERS: list[tuple[str, str, str, str]] = [
    ("UK LONDON017", "King's College London", "GB", "kcl.ac.uk"),
    ("UK MANCHES01", "University of Manchester", "GB", "manchester.ac.uk"),
    ("UK BRISTOL01", "University of Bristol", "GB", "bristol.ac.uk"),
    ("UK LIVERPO01", "University of Liverpool", "GB", "liverpool.ac.uk"),
    ("F PARIS482", "Université Paris Cité – Faculté de Santé", "FR", "u-paris.fr"),
    ("F LYON01", "Université Claude Bernard Lyon 1", "FR", "univ-lyon1.fr"),
    ("F MONTPEL54", "Université de Montpellier", "FR", "umontpellier.fr"),
    ("F BORDEAU58", "Université de Bordeaux", "FR", "u-bordeaux.fr"),
    ("D KOLN01", "Universität zu Köln", "DE", "uni-koeln.de"),
    ("D TUBINGE01", "Eberhard Karls Universität Tübingen", "DE", "uni-tuebingen.de"),
    ("D LUBECK02", "Universität zu Lübeck", "DE", "uni-luebeck.de"),
    ("D GOTTING01", "Georg-August-Universität Göttingen", "DE", "uni-goettingen.de"),
    ("E MADRID03", "Universidad Complutense de Madrid", "ES", "ucm.es"),
    ("E VALENCI01", "Universitat de València", "ES", "uv.es"),
    ("E GRANADA01", "Universidad de Granada", "ES", "ugr.es"),
    ("E SEVILLA01", "Universidad de Sevilla", "ES", "us.es"),
    ("NL MAASTRI01", "Maastricht University", "NL", "maastrichtuniversity.nl"),
    ("NL GRONING01", "University of Groningen", "NL", "rug.nl"),
    ("NL ROTTERD01", "Erasmus University Rotterdam", "NL", "eur.nl"),
    ("NL NIJMEGE01", "Radboud University", "NL", "ru.nl"),
    ("DK AARHUS01", "Aarhus University", "DK", "au.dk"),
    ("DK ODENSE01", "University of Southern Denmark", "DK", "sdu.dk"),
    ("DK KOBENHA55", "Københavns Professionshøjskole", "DK", "kp.dk"),
    ("N BERGEN01", "University of Bergen", "NO", "uib.no"),
    ("N OSLO01", "University of Oslo", "NO", "uio.no"),
    ("N TRONDHE01", "Norwegian University of Science and Technology", "NO", "ntnu.no"),
    ("SF TURKU01", "University of Turku", "FI", "utu.fi"),
    ("SF TAMPERE17", "Tampere University", "FI", "tuni.fi"),
    ("SF OULU01", "University of Oulu", "FI", "oulu.fi"),
    ("IS REYKJAV01", "University of Iceland", "IS", "hi.is"),
    ("EE TARTU02", "University of Tartu", "EE", "ut.ee"),
    ("I BOLOGNA01", "Università di Bologna", "IT", "unibo.it"),
    ("I PADOVA01", "Università degli Studi di Padova", "IT", "unipd.it"),
    ("I ROMA01", "Sapienza Università di Roma", "IT", "uniroma1.it"),
    ("A WIEN64", "Medizinische Universität Wien", "AT", "meduniwien.ac.at"),
    ("P LISBOA109", "Universidade de Lisboa", "PT", "ulisboa.pt"),
    ("PL KRAKOW01", "Jagiellonian University – Medical College", "PL", "uj.edu.pl"),
    ("CZ PRAHA07", "Charles University", "CZ", "cuni.cz"),
    ("G ATHINE01", "National and Kapodistrian University of Athens", "GR", "uoa.gr"),
    ("B GENT01", "Ghent University", "BE", "ugent.be"),
    ("HU PECS01", "University of Pécs", "HU", "pte.hu"),
    ("LT KAUNAS02", "Lithuanian University of Health Sciences", "LT", "lsmu.lt"),
    ("SI LJUBLJA01", "University of Ljubljana", "SI", "uni-lj.si"),
    ("SYDNEY.EDU.AU", "University of Sydney", "AU", "sydney.edu.au"),
    ("MONASH.EDU", "Monash University", "AU", "monash.edu"),
    ("UW.EDU", "University of Washington", "US", "uw.edu"),
    ("UMN.EDU", "University of Minnesota", "US", "umn.edu"),
    ("UTORONTO.CA", "University of Toronto", "CA", "utoronto.ca"),
    ("MAK.AC.UG", "Makerere University", "UG", "mak.ac.ug"),
    ("MUST.AC.UG", "Mbarara University of Science and Technology", "UG", "must.ac.ug"),
    ("MUHAS.AC.TZ", "Muhimbili University of Health and Allied Sciences", "TZ", "muhas.ac.tz"),
    ("KCMUCO.AC.TZ", "Kilimanjaro Christian Medical University College", "TZ", "kcmuco.ac.tz"),
    ("MANIPAL.EDU", "Manipal Academy of Higher Education", "IN", "manipal.edu"),
    ("CMCVELLORE.AC.IN", "Christian Medical College Vellore", "IN", "cmcvellore.ac.in"),
    ("UCT.AC.ZA", "University of Cape Town", "ZA", "uct.ac.za"),
    ("HMU.EDU.VN", "Hanoi Medical University", "VN", "hmu.edu.vn"),
    ("UONBI.AC.KE", "University of Nairobi", "KE", "uonbi.ac.ke"),
    ("KYOTO-U.AC.JP", "Kyoto University", "JP", "kyoto-u.ac.jp"),
    ("MAHIDOL.AC.TH", "Mahidol University", "TH", "mahidol.ac.th"),
    ("USP.BR", "Universidade de São Paulo", "BR", "usp.br"),
]

# The same network members, used only when the repository has no seeds/partner_networks.csv.
FALLBACK_NETWORK_PARTNERS: list[tuple[str, str, str, str, str]] = [
    ("UK EDINBUR01", "University of Edinburgh", "GB", "ed.ac.uk", "U21;LERU"),
    ("UK NOTTING01", "University of Nottingham", "GB", "nottingham.ac.uk", "U21"),
    ("NL AMSTERD01", "University of Amsterdam", "NL", "uva.nl", "U21;LERU"),
    ("UNIMELB.EDU.AU", "University of Melbourne", "AU", "unimelb.edu.au", "U21"),
    ("DK KOBENHA01", "University of Copenhagen", "DK", "ku.dk", "LERU"),
    ("D HEIDELB01", "Heidelberg University", "DE", "uni-heidelberg.de", "LERU"),
    ("SF HELSINK01", "University of Helsinki", "FI", "helsinki.fi", "LERU"),
    ("F PARIS470", "Université Paris-Saclay", "FR", "universite-paris-saclay.fr", "LERU;EUGLOH"),
    ("D MUNCHEN01", "LMU Munich", "DE", "lmu.de", "LERU;EUGLOH"),
    ("P PORTO02", "University of Porto", "PT", "up.pt", "EUGLOH"),
    ("HU SZEGED01", "University of Szeged", "HU", "u-szeged.hu", "EUGLOH"),
    ("N TROMSO01", "UiT The Arctic University of Norway", "NO", "uit.no", "EUGLOH"),
]

# Relative popularity of host countries for the faculty's outgoing students.
COUNTRY_WEIGHT_OUT: dict[str, float] = {
    "GB": 14,
    "FR": 10,
    "DE": 9,
    "ES": 8,
    "NL": 7,
    "DK": 4,
    "NO": 4,
    "FI": 3,
    "IS": 1,
    "IT": 4,
    "AT": 1.5,
    "CH": 2,
    "BE": 2,
    "IE": 2,
    "PT": 2,
    "PL": 1,
    "CZ": 1,
    "GR": 1,
    "HU": 1,
    "EE": 0.8,
    "LT": 0.5,
    "SI": 0.5,
    "RS": 0.3,
    "AU": 4,
    "US": 3.5,
    "CA": 1.5,
    "UG": 3,
    "TZ": 3,
    "IN": 2,
    "ZA": 1.2,
    "VN": 1,
    "KE": 1,
    "JP": 0.8,
    "CN": 0.8,
    "HK": 0.5,
    "SG": 0.5,
    "KR": 0.5,
    "NZ": 1,
    "CL": 0.5,
    "MX": 0.3,
    "BR": 0.5,
    "TH": 0.8,
}
# Multipliers for incoming students (more continental Europeans, fewer from the UK and overseas).
COUNTRY_FACTOR_IN: dict[str, float] = {
    "GB": 0.35,
    "DE": 1.3,
    "FR": 1.2,
    "ES": 1.4,
    "IT": 1.6,
    "PT": 1.3,
    "PL": 1.5,
    "CZ": 1.5,
    "AT": 1.3,
    "NL": 0.9,
}
NORDIC = {"DK", "NO", "FI", "IS", "EE", "LT", "LV"}
EUROPE = {
    "AT",
    "BE",
    "BG",
    "CH",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GB",
    "GR",
    "HR",
    "HU",
    "IE",
    "IS",
    "IT",
    "LI",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "NO",
    "PL",
    "PT",
    "RO",
    "RS",
    "SI",
    "SK",
    "TR",
}
LINNAEUS_PALME = {"UG", "TZ", "IN", "ZA", "VN", "KE", "TH"}


def load_partners(repo_root: Path | None) -> pl.DataFrame:
    """Partner institutions: code, name, country (ISO), hei_id, networks (';'-joined, '' if none)."""
    rows: dict[str, dict[str, str]] = {}
    seed = repo_root / "seeds" / "partner_networks.csv" if repo_root else None
    if seed is not None and seed.is_file():
        with seed.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                code = (rec.get("partner_code") or "").strip().upper()
                if not code:
                    continue
                row = rows.setdefault(
                    code,
                    {
                        "code": code,
                        "name": rec.get("institution_name", "").strip(),
                        "country": (rec.get("country_code") or "").strip().upper(),
                        "hei_id": (rec.get("hei_id") or "").strip().lower(),
                        "networks": "",
                    },
                )
                net = (rec.get("network") or "").strip().upper()
                if net and net not in row["networks"].split(";"):
                    row["networks"] = ";".join(x for x in (row["networks"], net) if x)
    else:
        for code, name, country, hei, nets in FALLBACK_NETWORK_PARTNERS:
            rows[code] = {"code": code, "name": name, "country": country, "hei_id": hei, "networks": nets}
    for code, name, country, hei in OTHER_PARTNERS:
        rows.setdefault(code, {"code": code, "name": name, "country": country, "hei_id": hei, "networks": ""})
    frame = pl.DataFrame(sorted(rows.values(), key=lambda r: r["code"]))
    # Replace characters Windows-1252 cannot hold (partner names also go into cp1252 files).
    names = [n.encode("cp1252", errors="replace").decode("cp1252") for n in frame["name"].to_list()]
    return frame.with_columns(pl.Series("name", names))


def repo_root_guess() -> Path | None:
    """The repository root when running from a source checkout (src/indicators/sample/…)."""
    here = Path(__file__).resolve()
    root = here.parents[3] if len(here.parents) > 3 else None
    return root if root is not None and (root / "pipelines").is_dir() else None
