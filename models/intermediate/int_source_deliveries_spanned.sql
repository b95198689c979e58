-- One row per delivery of a source that sets the reporting years (events and year-labelled
-- registers), with the dates it reaches: from its first date to the later of its last date and its
-- extraction date; an undated delivery to the end of the academic year of its last date (as
-- int_sources_bounded reads an undated export: no year after its own last event). The dates are
-- the ones indicators count by (int_sources_bounded's: a stay's start, a degree, an award, an
-- activity; a register's first and last day of its years), read from the rows each delivery holds
-- in staging: a row that a later delivery replaced counts for the later one, which reaches at
-- least as far back as the row.
-- A dated file without rows of its own reaches its extraction date only: an export with no data
-- rows (rejected by the reader, kept as a delivery in stg_audit__deliveries) and one with the same
-- bytes as a loaded file (that file's rows, and its own date). This is how monthly delta
-- deliveries (each file only the rows new since the one before) open no gap: every month's file,
-- with rows or without, reaches its own date, so a year with a delivery in it is covered even when
-- it has no events. A year in which not one file was delivered lies between deliveries.
-- Agreements and the programme catalogue are registers of validity, each delivery the whole
-- register: they have no spans (their coverage is int_sources_bounded's alone).
with

student_mobilities as (
    select * from {{ ref('stg_student_mobility__mobilities') }}
),

staff_mobilities as (
    select * from {{ ref('stg_staff_mobility__mobilities') }}
),

degrees as (
    select * from {{ ref('stg_graduates__degrees') }}
),

cim_awards as (
    select * from {{ ref('stg_cim_awards__awards') }}
),

activities as (
    select * from {{ ref('stg_activities__activities') }}
),

registrations as (
    select * from {{ ref('stg_enrolments__registrations') }}
),

followups as (
    select * from {{ ref('stg_programme_register__followups') }}
),

deliveries as (
    select * from {{ ref('stg_audit__deliveries') }}
),

-- the first and last date of each loaded delivery's rows (the dates int_sources_bounded reads)
file_dates as (
    -- one source a line, read as a table: LT09 (one select target a line) is off for these rows
    -- noqa: disable=LT09
    select
        'student_mobility' as source_name,
        file_id,
        min(start_date) as first_date,
        max(start_date) as last_date,
    from student_mobilities
    group by file_id
    union all
    select 'staff_mobility', file_id, min(start_date), max(start_date)
    from staff_mobilities
    group by file_id
    union all
    select 'graduates', file_id, min(degree_date), max(degree_date)
    from degrees
    group by file_id
    union all
    select 'cim_awards', file_id, min(awarded_on), max(awarded_on)
    from cim_awards
    group by file_id
    union all
    select 'activities', file_id, min(activity_date), max(activity_date)
    from activities
    group by file_id
    -- noqa: enable=LT09
    union all
    select
        'enrolments',
        file_id,
        min({{ academic_year_first_date('academic_year') }}),
        max({{ academic_year_last_date('academic_year') }}),
    from registrations
    group by file_id
    union all
    select
        'programme_register',
        file_id,
        min({{ academic_year_first_date('academic_year') }}),
        max({{ academic_year_last_date('academic_year') }}),
    from followups
    group by file_id
),

spanned_sources as (
    select distinct source_name from file_dates
),

-- the loaded file whose rows a delivery holds: its own, or the loaded file with the same bytes
rows_files as (
    select
        sha256,
        min(file_id) as rows_file_id,
    from deliveries
    where is_loaded
    group by sha256
),

delivery_dates as (
    select
        deliveries.file_id,
        deliveries.source_name,
        deliveries.file_name,
        deliveries.status,
        deliveries.extraction_date,
        file_dates.first_date,
        file_dates.last_date,
    from deliveries
    inner join spanned_sources
        on deliveries.source_name = spanned_sources.source_name
    left join rows_files
        on deliveries.sha256 = rows_files.sha256
        and deliveries.status != 'rejected'
    left join file_dates
        on deliveries.source_name = file_dates.source_name
        and rows_files.rows_file_id = file_dates.file_id
),

final as (
    select
        file_id,
        source_name,
        file_name,
        status,
        extraction_date,
        first_date,
        last_date,
        -- least and greatest pass over a null: a file without rows spans its date alone
        least(first_date, extraction_date) as span_start_date,
        case
            when extraction_date is not null then greatest(last_date, extraction_date)
            else make_date({{ academic_year_start('last_date') }} + 1, 6, 30)
        end as span_end_date,
    from delivery_dates
    where first_date is not null
        or extraction_date is not null
)

select * from final
