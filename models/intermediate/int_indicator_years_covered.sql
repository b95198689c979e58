-- The academic years each indicator has values for, and the status of those values, from the
-- coverage of its data sources (the catalogue's `sources`; the programme catalogue and the
-- partner networks are reference data and left aside) and of the years before it that the value
-- reaches back to (seeds/indicator_lookbacks.csv: I02 counts a stay in the degree year or the 5
-- academic years before it, so its value of 2018/19 needs student mobility from 2013/14):
--   final        every source covers the whole year, and every lookback year is covered
--   provisional  every source covers part of the year, at least one not all of it, and every
--                lookback year is covered
--   incomplete   at least one source covers none of the year while another covers some of it,
--                or a source covers none of a lookback year (before it starts, or a gap): the
--                value may miss what it counts (`lookback_not_covered` says what is missing)
-- A source only a measure reads (seed indicator_measure_sources: I07's graduates, for per 100
-- graduates) decides that measure's status only: `headline_obs_status` is the same rule over the
-- other sources, for every other row of the indicator (I07's award counts).
-- A year that none of its sources covers has no row (and so no value). A source that covers none
-- of the year because it lies between two of its deliveries that do not meet
-- (int_source_years_undelivered) is named in `not_delivered`.
with

data_sources as (
    select * from {{ ref('int_indicator_sources_listed') }}
),

source_years as (
    select * from {{ ref('int_source_years_covered') }}
),

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

lookbacks as (
    select * from {{ ref('indicator_lookbacks') }}
),

undelivered as (
    select * from {{ ref('int_source_years_undelivered') }}
),

source_counts as (
    select
        indicator_id,
        count(distinct source_name) as sources,
        count(distinct source_name) filter (where measure_only is null) as headline_sources,
        string_agg(distinct measure_only, ';' order by measure_only) as measures_of_all_sources,
    from data_sources
    group by indicator_id
),

years_per_source as (
    select
        data_sources.indicator_id,
        source_years.academic_year,
        count(distinct data_sources.source_name) as sources_covering,
        count(distinct data_sources.source_name) filter (where source_years.is_complete) as sources_complete,
        count(distinct data_sources.source_name) filter (
            where data_sources.measure_only is null
        ) as headline_sources_covering,
        count(distinct data_sources.source_name) filter (
            where data_sources.measure_only is null and source_years.is_complete
        ) as headline_sources_complete,
    from data_sources
    inner join source_years
        on data_sources.source_name = source_years.source_name
    group by data_sources.indicator_id, source_years.academic_year
),

indicator_years as (
    select
        years_per_source.*,
        academic_years.academic_year_start,
        source_counts.sources,
        source_counts.headline_sources,
        source_counts.measures_of_all_sources,
    from years_per_source
    inner join source_counts
        on years_per_source.indicator_id = source_counts.indicator_id
    inner join academic_years
        on years_per_source.academic_year = academic_years.academic_year
),

-- every academic year before a value's own that its lookback needs of a source, one row each
lookback_years_needed as (
    select
        indicator_years.indicator_id,
        indicator_years.academic_year,
        lookbacks.source_name,
        lookbacks.lookback_years,
        indicator_years.academic_year_start - lookbacks.lookback_years as needed_from_start,
        cast(
            unnest(
                range(
                    indicator_years.academic_year_start - lookbacks.lookback_years,
                    indicator_years.academic_year_start
                )
            ) as integer
        ) as needed_start,
    from indicator_years
    inner join lookbacks
        on indicator_years.indicator_id = lookbacks.indicator_id
),

source_first_years as (
    select
        source_name,
        min(academic_year_start) as first_start,
    from source_years
    group by source_name
),

-- the lookbacks with a needed year their source does not cover
lookbacks_not_covered as (
    select
        lookback_years_needed.indicator_id,
        lookback_years_needed.academic_year,
        lookback_years_needed.source_name,
        any_value(lookback_years_needed.lookback_years) as lookback_years,
        any_value(lookback_years_needed.needed_from_start) as needed_from_start,
        any_value(source_first_years.first_start) as first_start,
        max(lookback_years_needed.needed_start) as last_uncovered_start,
        string_agg(
            {{ academic_year_label('lookback_years_needed.needed_start') }},
            ', ' order by lookback_years_needed.needed_start
        ) as uncovered_years,
    from lookback_years_needed
    left join source_years
        on lookback_years_needed.source_name = source_years.source_name
        and lookback_years_needed.needed_start = source_years.academic_year_start
    left join source_first_years
        on lookback_years_needed.source_name = source_first_years.source_name
    where source_years.source_name is null
    group by
        lookback_years_needed.indicator_id,
        lookback_years_needed.academic_year,
        lookback_years_needed.source_name
),

-- in words, one clause a source: "it needs student_mobility from 2013/14 (...), but student_mobility
-- starts 2016/17" (every missing year before its first), "... covers none of 2015/16" (a gap), or
-- "... has no data"
lookback_sentences as (
    select
        indicator_id,
        academic_year,
        string_agg(
            'it needs ' || source_name || ' from ' || {{ academic_year_label('needed_from_start') }}
            || ' (the value''s year and the '
            || case when lookback_years = 1 then '' else lookback_years || ' ' end
            || 'academic year' || case when lookback_years = 1 then '' else 's' end || ' before it), but '
            || source_name
            || case
                when first_start is null then ' has no data'
                when last_uncovered_start < first_start
                    then ' starts ' || {{ academic_year_label('first_start') }}
                else ' covers none of ' || uncovered_years
            end,
            '; ' order by source_name
        ) as lookback_not_covered,
    from lookbacks_not_covered
    group by indicator_id, academic_year
),

-- "no delivery of student_mobility covers the year (one ends 2013-06-30, the next starts 2016-09-05)"
undelivered_sentences as (
    select
        data_sources.indicator_id,
        undelivered.academic_year,
        string_agg(
            'no delivery of ' || undelivered.source_name || ' covers the year (one ends '
            || strftime(undelivered.delivered_until_date, '%Y-%m-%d') || ', the next starts '
            || strftime(undelivered.delivered_from_date, '%Y-%m-%d') || ')',
            '; ' order by undelivered.source_name
        ) as not_delivered,
    from data_sources
    inner join undelivered
        on data_sources.source_name = undelivered.source_name
    group by data_sources.indicator_id, undelivered.academic_year
),

-- why a headline value is not final, source by source, in words: each source the headline reads
-- that covers the year only in part, and how far ("activities to 2025-11-15, student_mobility to
-- 2025-09-01"), and each that covers none of it though the indicator has values that year
-- ("programme_register covers none of the year (its coverage ends 2025-06-30)"; a year between
-- two deliveries that do not meet is not_delivered's)
source_spans as (
    select
        source_name,
        min(academic_year_start) as first_start,
        max(academic_year_start) as last_start,
        max(covered_through_date) as covered_to_date,
    from source_years
    group by source_name
),

partly_covered_sentences as (
    select
        data_sources.indicator_id,
        source_years.academic_year,
        string_agg(
            data_sources.source_name || ' to ' || strftime(source_years.covered_through_date, '%Y-%m-%d'),
            ', ' order by data_sources.source_name
        ) as partly_covered,
    from data_sources
    inner join source_years
        on data_sources.source_name = source_years.source_name
    where data_sources.measure_only is null
        and not source_years.is_complete
    group by data_sources.indicator_id, source_years.academic_year
),

not_covered_sentences as (
    select
        indicator_years.indicator_id,
        indicator_years.academic_year,
        string_agg(
            data_sources.source_name || ' covers none of the year'
            || case
                when source_spans.source_name is null then ' (it has no data)'
                when indicator_years.academic_year_start > source_spans.last_start
                    then ' (its coverage ends ' || strftime(source_spans.covered_to_date, '%Y-%m-%d') || ')'
                when indicator_years.academic_year_start < source_spans.first_start
                    then ' (it starts ' || {{ academic_year_label('source_spans.first_start') }} || ')'
                else ''
            end,
            '; ' order by data_sources.source_name
        ) as not_covered,
    from indicator_years
    inner join data_sources
        on indicator_years.indicator_id = data_sources.indicator_id
    left join source_years
        on data_sources.source_name = source_years.source_name
        and indicator_years.academic_year = source_years.academic_year
    left join source_spans
        on data_sources.source_name = source_spans.source_name
    left join undelivered
        on data_sources.source_name = undelivered.source_name
        and indicator_years.academic_year = undelivered.academic_year
    where data_sources.measure_only is null
        and source_years.source_name is null
        and undelivered.source_name is null
    group by indicator_years.indicator_id, indicator_years.academic_year
),

final as (
    select
        indicator_years.indicator_id,
        indicator_years.academic_year,
        case
            when lookback_sentences.lookback_not_covered is not null then 'incomplete'
            when indicator_years.sources_complete = indicator_years.sources then 'final'
            when indicator_years.sources_covering = indicator_years.sources then 'provisional'
            else 'incomplete'
        end as obs_status,
        indicator_years.sources_covering,
        indicator_years.sources,
        lookback_sentences.lookback_not_covered,
        undelivered_sentences.not_delivered,
        -- the same over the sources the headline reads (a source only a measure reads left aside)
        case
            when lookback_sentences.lookback_not_covered is not null then 'incomplete'
            when indicator_years.headline_sources_complete = indicator_years.headline_sources then 'final'
            when indicator_years.headline_sources_covering = indicator_years.headline_sources
                then 'provisional'
            else 'incomplete'
        end as headline_obs_status,
        indicator_years.measures_of_all_sources,
        partly_covered_sentences.partly_covered,
        not_covered_sentences.not_covered,
    from indicator_years
    left join lookback_sentences
        on indicator_years.indicator_id = lookback_sentences.indicator_id
        and indicator_years.academic_year = lookback_sentences.academic_year
    left join undelivered_sentences
        on indicator_years.indicator_id = undelivered_sentences.indicator_id
        and indicator_years.academic_year = undelivered_sentences.academic_year
    left join partly_covered_sentences
        on indicator_years.indicator_id = partly_covered_sentences.indicator_id
        and indicator_years.academic_year = partly_covered_sentences.academic_year
    left join not_covered_sentences
        on indicator_years.indicator_id = not_covered_sentences.indicator_id
        and indicator_years.academic_year = not_covered_sentences.academic_year
)

select * from final
