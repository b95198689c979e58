with

source as (
    select * from {{ source('raw', 'student_mobility') }}
),

latest as (
    {{ latest_version('source', ['mobility_id']) }}
),

-- an end exported as a month or a year (2015-01, 2015) is its last day (see end_of_precision)
ended as (
    select
        * replace ({{ end_of_precision('end_date', 'end_date_precision') }} as end_date)
    from latest
),

final as (
    select
        mobility_id,
        student_id,
        direction,
        programme_code,
        level,
        mobility_type,
        scheme,
        partner_code,
        partner_name,
        partner_country,
        start_date,
        end_date,
        term,
        status,
        credits_ects,
        coalesce(gender, 'unknown') as gender,
        {{ academic_year('start_date') }} as academic_year,
        {{ academic_year_start('start_date') }} as academic_year_start,
        status = 'withdrawn' as is_withdrawn,
        mobility_type = 'virtual' as is_virtual,
        -- physical mobilities counted by I01, I03 and I11 (virtual exchange is I09's)
        mobility_type in (
            'studies', 'clinical_placement', 'traineeship', 'degree_project', 'short_term', 'blended'
        ) as is_physical,
        -- Eurostat credit mobility: at least N months (calendar months from start to end) or N ECTS
        coalesce(
            end_date >= start_date + to_months({{ var('credit_mobility_min_months') }}), false
        )
        or coalesce(credits_ects >= {{ var('credit_mobility_min_ects') }}, false) as is_credit_mobility,
        _file_id as file_id,
    from ended
)

select * from final
