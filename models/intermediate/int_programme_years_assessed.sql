-- One row per active programme and academic year with the facts behind the coverage
-- indicators. A missing register row counts as "not done" (the plan asks for every
-- programme). Reviews (obstacles, global health, SDGs, portfolio) stay done once done:
-- the earliest date reported in any register row up to the year, on or before the year's end
-- (and the run's date: a date after it is a review planned, not done).
with

programme_years as (
    select * from {{ ref('int_programme_years_activated') }}
),

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

followups as (
    select * from {{ ref('stg_programme_register__followups') }}
),

agreement_years as (
    select * from {{ ref('int_agreement_years_validated') }}
),

activities as (
    select * from {{ ref('int_activities_enriched') }}
),

year_facts as (
    select
        programme_years.academic_year,
        programme_years.academic_year_start,
        programme_years.programme_code,
        programme_years.level,
        -- a review counts by the year's end, and not after the run's date (a date after it is planned)
        least(academic_years.last_date, {{ run_date() }}) as counted_to_date,
        followups.programme_code is not null as has_register_row,
        coalesce(followups.has_mobility_window, false) as has_mobility_window,
        coalesce(followups.has_english_taught_parts, false) as has_english_taught_parts,
        coalesce(followups.has_teacher_mobility_partners, false) as has_teacher_mobility_partners,
        coalesce(followups.has_virtual_exchange, false) as has_virtual_exchange_reported,
    from programme_years
    inner join academic_years
        on programme_years.academic_year = academic_years.academic_year
    left join followups
        on programme_years.programme_code = followups.programme_code
        and programme_years.academic_year = followups.academic_year
),

reviews as (
    select
        year_facts.academic_year,
        year_facts.programme_code,
        min(
            case
                when followups.obstacles_identified_on <= year_facts.counted_to_date
                    then followups.obstacles_identified_on
            end
        ) as obstacles_identified_on,
        min(
            case
                when followups.global_health_reviewed_on <= year_facts.counted_to_date
                    then followups.global_health_reviewed_on
            end
        ) as global_health_reviewed_on,
        min(
            case
                when followups.sdg_reviewed_on <= year_facts.counted_to_date
                    then followups.sdg_reviewed_on
            end
        ) as sdg_reviewed_on,
        min(
            case
                when followups.portfolio_reviewed_on <= year_facts.counted_to_date
                    then followups.portfolio_reviewed_on
            end
        ) as portfolio_reviewed_on,
    from year_facts
    inner join followups
        on year_facts.programme_code = followups.programme_code
        and year_facts.academic_year_start >= followups.academic_year_start
    group by year_facts.academic_year, year_facts.programme_code
),

-- I05: an agreement with student places for ALL programmes covers every programme that
-- year; named programme codes are unnested to rows (an equality join)
all_programme_coverage as (
    select distinct academic_year
    from agreement_years
    where has_student_places
        and programme_codes = 'ALL'
),

named_programme_coverage as (
    select distinct
        academic_year,
        trim(unnest(string_split(programme_codes, ';'))) as programme_code,
    from agreement_years
    where has_student_places
        and programme_codes != 'ALL'
),

virtual_activities as (
    select distinct
        academic_year,
        programme_code,
    from activities
    where category = 'virtual_exchange'
        and programme_code is not null
),

final as (
    select
        year_facts.academic_year,
        year_facts.academic_year_start,
        year_facts.programme_code,
        year_facts.level,
        year_facts.has_register_row,
        year_facts.has_mobility_window,
        all_programme_coverage.academic_year is not null
        or named_programme_coverage.programme_code is not null as is_offering_study_abroad,
        year_facts.has_virtual_exchange_reported,
        virtual_activities.programme_code is not null as has_virtual_exchange_activity,
        year_facts.has_virtual_exchange_reported
        or virtual_activities.programme_code is not null as has_virtual_exchange,
        year_facts.has_english_taught_parts,
        year_facts.has_teacher_mobility_partners,
        reviews.obstacles_identified_on,
        reviews.obstacles_identified_on is not null as has_obstacles_identified,
        reviews.global_health_reviewed_on,
        reviews.global_health_reviewed_on is not null as has_global_health_reviewed,
        reviews.sdg_reviewed_on,
        reviews.sdg_reviewed_on is not null as has_sdg_reviewed,
        reviews.portfolio_reviewed_on,
        reviews.portfolio_reviewed_on is not null as has_portfolio_reviewed,
    from year_facts
    left join reviews
        on year_facts.academic_year = reviews.academic_year
        and year_facts.programme_code = reviews.programme_code
    left join all_programme_coverage
        on year_facts.academic_year = all_programme_coverage.academic_year
    left join named_programme_coverage
        on year_facts.academic_year = named_programme_coverage.academic_year
        and year_facts.programme_code = named_programme_coverage.programme_code
    left join virtual_activities
        on year_facts.academic_year = virtual_activities.academic_year
        and year_facts.programme_code = virtual_activities.programme_code
)

select * from final
