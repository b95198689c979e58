-- CIM awards with the programme checked against the programme catalogue: a code missing from it,
-- or none, counts as programme 'unknown' (an award always belongs to a programme) and the award
-- still counts for the faculty.
with

awards as (
    select * from {{ ref('stg_cim_awards__awards') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

final as (
    select
        awards.certificate_id,
        awards.student_id,
        {{ programme_in_catalogue('awards.programme_code', 'programmes.programme_code', empty_is='unknown') }}
            as programme_code,
        awards.programme_code as source_programme_code,
        awards.awarded_on,
        awards.activities_home,
        awards.activities_abroad,
        awards.academic_year,
        awards.academic_year_start,
    from awards
    left join programmes
        on awards.programme_code = programmes.programme_code
)

select * from final
