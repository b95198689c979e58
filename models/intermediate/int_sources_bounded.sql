-- One row per source: how far it reaches back and how far forward it covers.
--   first_date      the earliest date indicators count by (a stay's start, a degree, an award,
--                   an activity; for year-labelled registers the first day of the first year)
--   last_data_date  the latest such date (for year-labelled registers the last day of the last year)
--   coverage_end    the extraction date of the newest delivery when its file name gives one
--                   (the latest extraction date of its dated deliveries, a file without rows of
--                   its own too: an empty month of monthly deltas); otherwise the data's
--                   end: the latest date indicators count by across the event sources (mobility
--                   starts, degrees, awards, activities), but for an event source no later than
--                   the end of the academic year of its own last event (a stale undated export
--                   reads as missing, not as zeros), and for a year-labelled register at least the
--                   end of its latest year, never before an earlier dated delivery's date; either
--                   capped at the run's date
-- Agreements and the programme catalogue are registers without events: they reach back to their
-- first validity but do not widen the reporting years.
-- Between its first year and its coverage end a source covers every year, except the years that
-- lie between two of its deliveries that do not meet (int_source_years_undelivered).
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

agreements as (
    select * from {{ ref('stg_agreements__agreements') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

-- every delivery: the loaded files, and the dated files without rows of their own (a monthly
-- delta's empty month, a loaded export delivered again under a later date), whose date says the
-- source was delivered to that day (a month without events at the tail of a year is no gap at it)
deliveries as (
    select * from {{ ref('stg_audit__deliveries') }}
),

data_dates as (
    select
        'student_mobility' as source_name,
        true as sets_reporting_years,
        true as counts_events,
        min(start_date) as first_date,
        max(start_date) as last_data_date,
    from student_mobilities
    -- one source a line, read as a table: LT09 (one select target a line) is off for these rows
    -- noqa: disable=LT09
    union all
    select 'staff_mobility', true, true, min(start_date), max(start_date) from staff_mobilities
    union all
    select 'graduates', true, true, min(degree_date), max(degree_date) from degrees
    union all
    select 'cim_awards', true, true, min(awarded_on), max(awarded_on) from cim_awards
    union all
    select 'activities', true, true, min(activity_date), max(activity_date) from activities
    union all
    select
        'enrolments',
        true,
        false,
        min({{ academic_year_first_date('academic_year') }}),
        max({{ academic_year_last_date('academic_year') }}),
    from registrations
    union all
    select
        'programme_register',
        true,
        false,
        min({{ academic_year_first_date('academic_year') }}),
        max({{ academic_year_last_date('academic_year') }}),
    from followups
    union all
    select 'agreements', false, false, min(valid_from), null from agreements
    -- noqa: enable=LT09
    union all
    select
        'programmes',
        false,
        false,
        min(make_date(active_from_start_year, 7, 1)),
        null,
    from programmes
),

sources_with_data as (
    select
        *,
        -- the last day of the academic year of the source's own last event
        make_date({{ academic_year_start('last_data_date') }} + 1, 6, 30) as own_last_year_end,
    from data_dates
    where first_date is not null
),

run_day as (
    select {{ run_date() }} as run_date
),

data_end as (
    select
        least(
            coalesce(
                max(sources_with_data.last_data_date) filter (where sources_with_data.counts_events),
                max(sources_with_data.last_data_date)
            ),
            any_value(run_day.run_date)
        ) as data_end_date,
    from sources_with_data
    cross join run_day
),

-- the newest loaded file decides the rule (a dated file left in the inbox is recorded again each
-- night without rows: it must not stand for a newer undated export)
newest_deliveries as (
    select *
    from deliveries
    where is_loaded
    qualify row_number() over (partition by source_name order by file_id desc) = 1
),

dated_deliveries as (
    select
        source_name,
        max(extraction_date) as latest_extraction_date,
    from deliveries
    group by source_name
),

final as (
    select
        sources_with_data.source_name,
        sources_with_data.sets_reporting_years,
        sources_with_data.first_date,
        sources_with_data.last_data_date,
        newest_deliveries.file_name as newest_file_name,
        newest_deliveries.extraction_date as newest_extraction_date,
        case
            when newest_deliveries.extraction_date is not null then 'extraction_date'
            else 'data_end'
        end as coverage_end_rule,
        least(
            case
                when newest_deliveries.extraction_date is not null
                    then dated_deliveries.latest_extraction_date
                else
                    greatest(
                        -- an undated export of events covers no academic year after the one of its
                        -- own last event: an old export must not read as a year of zeros
                        case
                            when sources_with_data.counts_events
                                then least(data_end.data_end_date, sources_with_data.own_last_year_end)
                            else data_end.data_end_date
                        end,
                        coalesce(sources_with_data.last_data_date, data_end.data_end_date),
                        coalesce(
                            dated_deliveries.latest_extraction_date,
                            sources_with_data.last_data_date,
                            data_end.data_end_date
                        )
                    )
            end,
            run_day.run_date
        ) as coverage_end_date,
        run_day.run_date,
    from sources_with_data
    cross join data_end
    cross join run_day
    left join newest_deliveries
        on sources_with_data.source_name = newest_deliveries.source_name
    left join dated_deliveries
        on sources_with_data.source_name = dated_deliveries.source_name
)

select * from final
