-- The academic years each source covers: from the year of its first date (agreements and the
-- programme catalogue: from their first validity) to the year holding its coverage end. Inside
-- its coverage a year without events reads 0, not missing. `is_complete`: the coverage reaches
-- the year's last day (30 June); otherwise only the part up to the coverage end is covered (the
-- current year, or a tail cut by an export's date). Not cut to the reporting years
-- (var('first_year')): a value's lookback (seeds/indicator_lookbacks.csv) may need a year before
-- them; int_indicator_years_covered keeps the reporting years.
with

sources as (
    select * from {{ ref('int_sources_bounded') }}
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

labelled as (
    select
        source_name,
        {{ academic_year_label('academic_year_start') }} as academic_year,
        academic_year_start,
        coverage_end_date,
    from source_years
),

final as (
    select
        source_name,
        academic_year,
        academic_year_start,
        least(coverage_end_date, {{ academic_year_last_date('academic_year') }}) as covered_through_date,
        coverage_end_date >= {{ academic_year_last_date('academic_year') }} as is_complete,
    from labelled
)

select * from final
