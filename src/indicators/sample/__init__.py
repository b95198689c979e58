"""Synthetic sample exports (an inbox) for the Faculty of Medicine.

``generate(out_dir, scale=1, seed=2019)`` writes one file per export, named after its source, in
the formats the real systems produce (SoleMove, Ladok, the activity log, EWP). Scale 1 is one
faculty: 16 programmes (VAMIN starts 2021/22, VGPOD ends 2019/20 and VGNUT 2020/21), academic
years 2016/17–2024/25 (student mobility from 2013/14: the five years of stays before the 2018/19
baseline that I02 needs), about 500 student stays a normal year with the COVID-19 dip (2019/20
spring, 2020/21, recovery 2021/22) and growth after it. Everything is fictitious; personnummer
use birth serials 980–999 and valid check digits. See ``sources/`` (one module per source group)
for the distributions.

Files at scale 1 (``large_as_csv`` turns the starred ones into UTF-8 comma CSV with canonical
headers and values, which it does by default when ``scale > 1``):

* ``programmes.xlsx`` – Swedish headers, grundnivå/avancerad nivå, academic years ``2016/17``.
* ``student_mobility_2022-11-15.xlsx`` * – SoleMove export of 2013/14–2022/23 in English, Excel date cells, EWP terms
  ``2019/2020-1/2``, EU country codes UK/EL, personnummer ``YYYYMMDD-NNNN``, T-numbers and UIDs.
* ``student_mobility_2025-09-01.csv`` * – re-export of 2021/22–2024/25: UTF-8 with BOM, ``;``,
  Swedish headers and values (utresande, återbud, avbrott, kvinna/man), ``HT2021`` terms, ISO dates,
  personnummer in all four forms. Overlapping stays changed status since the first export
  (ongoing/accepted → completed or withdrawn), so "latest export wins" matters.
* ``staff_mobility_2025-09-01.csv`` * – Windows-1252, ``;``, CRLF, Swedish, dates ``DD.MM.YYYY``.
* ``agreements_2025-09-01.csv`` – English headers with drifting case and separators, dates
  ``DD-MM-YYYY``, booleans yes/no (STA, or a count per year), 1/0 and x/empty.
* ``agreements_ewp_iia.xml`` – EWP IIAs get-response v7 with four digital IIAs (our hei-id lu.se).
* ``cim_awards_2025-09-01.csv`` * – Swedish headers, ISO dates, personnummer ``YYMMDD-NNNN``.
* ``graduates_2025-09-01.xlsx`` * – Ladok degrees, Excel date cells, personnummer ``YYYYMMDDNNNN``.
* ``enrolments_2025-09-01.csv`` – UTF-8 with BOM, ``;``, terms ``HT2016``/``VT2017``.
* ``programme_register_2025.xlsx`` – academic years ``LÅ2019-2020``, booleans ja/nej and x/empty,
  review dates filled in as programmes complete them, one ``FACULTY`` row per year.
* ``activities_2025-09-01.csv`` * – English headers, mixed-language categories, ``DD.MM.YYYY``,
  ``;``-separated teacher personnummer.

Deliberately bad input (the same at every scale; bad rows carry ids ending in 9s, e.g.
``SM-2023-999999``, and are copies of real rows with one thing broken):

1. ``student_mobility_2025-09-01`` – a start date 2023-02-30 (quarantine: bad date).
2. ``student_mobility_2025-09-01`` – end date 30 days before the start date (quarantine: end before start).
3. ``student_mobility_2025-09-01`` – mobility type ``forskningsvistelse`` (quarantine: unknown enum value).
4. ``student_mobility_2025-09-01`` – two rows with one mobility id, statuses avslutad and avbrott
   (both quarantined: duplicate key within the file; the stay is not loaded from this file).
5. ``student_mobility_2022-11-15`` – a personnummer with a wrong check digit (quarantine: invalid person id).
6. ``student_mobility_2022-11-15`` – an empty partner country (quarantine: required value missing).
7. ``student_mobility_2022-11-15`` – one stay exported twice, identical in every field (collapses to
   one row with a warning; not quarantined).
8. ``staff_mobility_2025-09-01`` – a start date 31.11.2021 (quarantine: bad date).
9. ``agreements_2025-09-01`` – valid to 400 days before valid from (quarantine: rule not_before).
10. ``activities_2025-09-01`` – category ``konferens`` (quarantine: unknown enum value).
11. ``graduates_2025-09-01`` – a degree with no programme code (quarantine: required value missing).
12. ``staff_mobility_broken.csv`` – no direction column (file rejected whole: required column missing).
13. ``README_from_registrar.txt`` – matches no source (left in place and reported).

Besides, about 2 % of the student stays carry a programme code that is not in the catalogue
(``VGSJ2``, ``MAMED``, ``VGLOG``), below the 5 % error threshold of ``pipelines/nightly.yml``.
"""

from indicators.sample.generate import generate

__all__ = ["generate"]
