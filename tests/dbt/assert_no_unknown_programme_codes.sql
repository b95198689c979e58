{{ config(severity='warn') }}
-- WARN for every programme code in student mobility that is missing from the programme
-- catalogue (they count as programme 'unknown'). Returns years, codes and counts only.
with

mobilities as (
    select * from {{ ref('int_student_mobilities_enriched') }}
),

final as (
    select
        academic_year,
        source_programme_code,
        count(*) as mobilities,
    from mobilities
    where is_unknown_programme
    group by academic_year, source_programme_code
)

select * from final
