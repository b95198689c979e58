-- The academic years each source covers: from the year of its first date (agreements and the
-- programme catalogue: from their first validity) to the year holding its coverage end, except
-- the years between two of its deliveries that do not meet (int_source_years_undelivered: no
-- delivery reaches them). Inside its coverage a year without events reads 0, not missing.
-- `is_complete`: the coverage reaches the year's last day (30 June); otherwise only the part up to
-- the coverage end is covered (the current year, or a tail cut by an export's date). A year
-- before undelivered years is covered up to the last day a delivery reaches in it (an export taken
-- in March, then nothing until years later: that year is covered to March, not complete).
-- Not cut to the reporting years (var('first_year')): a value's lookback
-- (seeds/indicator_lookbacks.csv) may need a year before them; int_indicator_years_covered keeps
-- the reporting years.
with

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

undelivered as (
    select * from {{ ref('int_source_years_undelivered') }}
),

source_years as (
    select
        source_name,
        coverage_end_date,
        cast(
            unnest(
                range(
                    {{ academic_year_start('first_date') }},
                    {{ academic_year_start('coverage_end_date') }} + 1
                )
            ) as integer
        ) as academic_year_start,
    from sources
),

delivered_years as (
    select source_years.*
    from source_years
    anti join undelivered
        on source_years.source_name = undelivered.source_name
        and source_years.academic_year_start = undelivered.academic_year_start
),

labelled as (
    select
        delivered_years.source_name,
        {{ academic_year_label('delivered_years.academic_year_start') }} as academic_year,
        delivered_years.academic_year_start,
        -- the coverage end, or the last day a delivery reaches when no delivery reaches the next year
        least(delivered_years.coverage_end_date, next_undelivered.delivered_until_date) as covered_to_date,
    from delivered_years
    left join undelivered as next_undelivered
        on delivered_years.source_name = next_undelivered.source_name
        and delivered_years.academic_year_start + 1 = next_undelivered.academic_year_start
),

final as (
    select
        source_name,
        academic_year,
        academic_year_start,
        least(covered_to_date, {{ academic_year_last_date('academic_year') }}) as covered_through_date,
        covered_to_date >= {{ academic_year_last_date('academic_year') }} as is_complete,
    from labelled
)

select * from final
