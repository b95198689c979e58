-- The academic years between two deliveries of a source that do not meet: years after the
-- source's first year that none of its deliveries reaches (int_source_deliveries_spanned) while a
-- later delivery starts after them, e.g. student mobility delivered as the EC's Erasmus statistics
-- for 2008/09-2012/13 and as a SoleMove export from 2016/17: 2013/14-2015/16. Nobody delivered
-- them: the source covers none of them (int_source_years_covered leaves them out), so they are no
-- years of zeros. A year inside a delivery's span without events is no such year (it reads 0), and
-- the years from the latest delivery's start to the coverage end follow int_sources_bounded as for
-- a source delivered once.
with

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

spans as (
    select * from {{ ref('int_source_deliveries_spanned') }}
),

span_years as (
    select
        source_name,
        span_start_date,
        span_end_date,
        {{ academic_year_start('span_start_date') }} as start_year,
        {{ academic_year_start('span_end_date') }} as end_year,
    from spans
),

-- from the source's first year to the year before the one its latest-starting delivery starts in
-- (no later than its coverage end)
bounds as (
    select
        sources.source_name,
        any_value({{ academic_year_start('sources.first_date') }}) as first_start,
        least(
            max(span_years.start_year),
            any_value({{ academic_year_start('sources.coverage_end_date') }}) + 1
        ) as last_start_exclusive,
    from sources
    inner join span_years
        on sources.source_name = span_years.source_name
    group by sources.source_name
),

candidate_years as (
    select
        source_name,
        cast(unnest(range(first_start, last_start_exclusive)) as integer) as academic_year_start,
    from bounds
),

years_reached as (
    select distinct
        candidate_years.source_name,
        candidate_years.academic_year_start,
    from candidate_years
    inner join span_years
        on candidate_years.source_name = span_years.source_name
        and candidate_years.academic_year_start between span_years.start_year and span_years.end_year
),

undelivered as (
    select candidate_years.*
    from candidate_years
    anti join years_reached
        on candidate_years.source_name = years_reached.source_name
        and candidate_years.academic_year_start = years_reached.academic_year_start
),

-- the deliveries on either side: the latest day one reaches before the year, the first day one
-- reaches after it
final as (
    select
        undelivered.source_name,
        {{ academic_year_label('undelivered.academic_year_start') }} as academic_year,
        undelivered.academic_year_start,
        max(span_years.span_end_date) filter (
            where span_years.end_year < undelivered.academic_year_start
        ) as delivered_until_date,
        min(span_years.span_start_date) filter (
            where span_years.start_year > undelivered.academic_year_start
        ) as delivered_from_date,
    from undelivered
    inner join span_years
        on undelivered.source_name = span_years.source_name
    group by undelivered.source_name, undelivered.academic_year_start
)

select * from final
