-- The academic years each source covers: from the year of its first date (agreements and the
-- programme catalogue: not before the first reporting year) to the year holding its coverage
-- end. Inside its coverage a year without events reads 0, not missing. `is_complete`: the
-- coverage reaches the year's last day (30 June); otherwise only the part up to the coverage
-- end is covered (the current year, or a tail cut by an export's date).
with

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

final as (
    select
        sources.source_name,
        academic_years.academic_year,
        academic_years.academic_year_start,
        least(sources.coverage_end_date, academic_years.last_date) as covered_through_date,
        sources.coverage_end_date >= academic_years.last_date as is_complete,
    from sources
    inner join academic_years
        on academic_years.academic_year_start
        between {{ academic_year_start('sources.first_date') }}
        and {{ academic_year_start('sources.coverage_end_date') }}
)

select * from final
