{{ config(severity='error') }}
-- The lookbacks of seeds/indicator_lookbacks.csv (how far back a value's sources must cover for the
-- value to be final) agree with the windows the indicators are computed with: I02 needs student
-- mobility var('graduate_window_years') years back, I24 student and staff mobility
-- var('portfolio_use_window_years') - 1 years back (the window counts the value's own year). A
-- window changed without its lookback would mark an undercount final.
with

lookbacks as (
    select * from {{ ref('indicator_lookbacks') }}
),

windows as (
    select
        computed_windows.indicator_id,
        computed_windows.source_name,
        computed_windows.lookback_years,
    from (
        values
        ('I02', 'student_mobility', {{ var('graduate_window_years') }}),
        ('I24', 'student_mobility', {{ var('portfolio_use_window_years') }} - 1),
        ('I24', 'staff_mobility', {{ var('portfolio_use_window_years') }} - 1)
    ) as computed_windows (indicator_id, source_name, lookback_years)
),

final as (
    select
        windows.indicator_id,
        windows.source_name,
        windows.lookback_years as window_lookback_years,
        lookbacks.lookback_years as seed_lookback_years,
    from windows
    left join lookbacks
        on windows.indicator_id = lookbacks.indicator_id
        and windows.source_name = lookbacks.source_name
    where lookbacks.lookback_years is distinct from windows.lookback_years
)

select * from final
