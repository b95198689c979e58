{{ config(severity='error') }}
-- ERROR when more than var('unknown_programme_error_pct') % of an academic year's student
-- mobilities carry a programme code missing from the programme catalogue. Returns the
-- offending years with the codes and counts (no personal data).
with

mobilities as (
    select * from {{ ref('int_student_mobilities_enriched') }}
),

per_year as (
    select
        academic_year,
        count(*) as mobilities,
        count(*) filter (where is_unknown_programme) as unknown_programme_mobilities,
        string_agg(
            distinct case when is_unknown_programme then source_programme_code end, ';'
            order by case when is_unknown_programme then source_programme_code end
        ) as unknown_codes,
    from mobilities
    group by academic_year
),

final as (
    select
        academic_year,
        mobilities,
        unknown_programme_mobilities,
        round(100.0 * unknown_programme_mobilities / mobilities, 2) as unknown_programme_pct,
        unknown_codes,
    from per_year
    where 100.0 * unknown_programme_mobilities / mobilities > {{ var('unknown_programme_error_pct') }}
)

select * from final
