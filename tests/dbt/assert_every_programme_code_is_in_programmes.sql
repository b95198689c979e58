-- Every programme code in indicator_values has its row in the programme dimension
-- (marts.programmes): a code missing there would be a programme without a name in the exports.
-- Returns the codes missing, with the number of values each has.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

programmes as (
    select * from {{ ref('programmes') }}
),

final as (
    select
        indicator_values.programme_code,
        count(*) as indicator_values,
    from indicator_values
    left join programmes
        on indicator_values.programme_code = programmes.programme_code
    where indicator_values.programme_code is not null
        and programmes.programme_code is null
    group by indicator_values.programme_code
)

select * from final
