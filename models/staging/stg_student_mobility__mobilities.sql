with

source as (
    select * from {{ source('raw', 'student_mobility') }}
),

latest as (
    {{ latest_version('source', ['mobility_id']) }}
),

-- an end exported as a month or a year (2015-01, 2015) is its last day (see end_of_precision); the
-- earliest day a year-precision end may mean and the latest a year-precision start may mean beside
-- (a year says nothing of the months: the 3 months of a credit mobility may depend on them)
ended as (
    select
        * replace ({{ end_of_precision('end_date', 'end_date_precision') }} as end_date),
        case
            when end_date_precision = 'year' then greatest(end_date, start_date)
            else {{ end_of_precision('end_date', 'end_date_precision') }}
        end as earliest_end_date,
        case
            when start_date_precision = 'year'
                then least({{ end_of_precision('start_date', 'start_date_precision') }}, end_date)
            else start_date
        end as latest_start_date,
    from latest
),

-- Eurostat credit mobility (UOE: a stay abroad lasting a minimum of three months, or 15 ECTS): the end
-- date is the stay's last day, so a stay lasts until the day after it: 1 Sep - 30 Nov is 3 months.
-- A date given as a month is the whole month; one given only as a year, where the 3 months depend on
-- where in the year the stay started or ended (2015-09-01 to 2015), is undecided: not counted, flagged
lasting as (
    select
        *,
        coalesce(credits_ects >= {{ var('credit_mobility_min_ects') }}, false) as has_credit_ects,
        coalesce(
            earliest_end_date + 1
            >= latest_start_date + to_months({{ var('credit_mobility_min_months') }}),
            false
        ) as lasts_credit_months,
        coalesce(
            end_date + 1 >= start_date + to_months({{ var('credit_mobility_min_months') }}), false
        ) as may_last_credit_months,
    from ended
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
        -- Eurostat credit mobility: at least N months (the end day included) or N ECTS
        has_credit_ects or lasts_credit_months as is_credit_mobility,
        not has_credit_ects
        and not lasts_credit_months
        and may_last_credit_months as is_credit_mobility_undecided,
        _file_id as file_id,
    from lasting
)

select * from final
