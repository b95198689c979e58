-- Every indicator value, tidy and long: one row per indicator, academic year, scope
-- (programme_code NULL = the whole faculty) and breakdown (dimension NULL = the headline
-- value). An indicator has values for the years at least one of its data sources covers (its
-- catalogue `sources`, reference data aside); in those years a headline count without events
-- is 0, and a share without a denominator is NULL (never 0). `obs_status` says whether the
-- value is final, provisional or incomplete (int_indicator_years_covered: by the sources the row
-- reads, so I07's award counts leave the graduates aside, its per 100 graduates does not); `annotation_ids`
-- names the annotations (series breaks, definitions) that apply to it.
with

catalogue as (
    select * from {{ ref('marts_indicator_catalogue') }}
),

indicator_years as (
    select * from {{ ref('int_indicator_years_covered') }}
),

annotations as (
    select * from {{ ref('annotations') }}
),

programme_years as (
    select * from {{ ref('int_programme_years_activated') }}
),

computed as (
    select * from {{ ref('int_indicator_values_unioned') }}
),

-- the years each catalogue indicator has values for, with its unit and obs_status
covered as (
    select
        indicator_years.indicator_id,
        indicator_years.academic_year,
        indicator_years.obs_status,
        coalesce(indicator_years.headline_obs_status, indicator_years.obs_status) as headline_obs_status,
        indicator_years.measures_of_all_sources,
        catalogue.unit,
        catalogue.per_programme,
    from indicator_years
    inner join catalogue
        on indicator_years.indicator_id = catalogue.indicator_id
),

observed as (
    select computed.*
    from computed
    inner join covered
        on computed.indicator_id = covered.indicator_id
        and computed.academic_year = covered.academic_year
),

-- the faculty's count measures an indicator has (e.g. I01 `stays`): they exist every covered year
count_measures as (
    select distinct
        indicator_id,
        dimension,
        dimension_value,
        unit,
    from observed
    where programme_code is null
        and dimension = 'measure'
        and denominator is null
),

-- the rows that must exist: the faculty headline every covered year; per programme
-- (counts, per_programme = yes) every active programme; the faculty's count measures
frame as (
    select
        indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        unit,
    from covered
    union all
    select
        covered.indicator_id,
        covered.academic_year,
        programme_years.programme_code,
        null,
        null,
        covered.unit,
    from covered
    inner join programme_years
        on covered.academic_year = programme_years.academic_year
    where covered.per_programme = 'yes'
        and covered.unit != 'percent'
    union all
    select
        covered.indicator_id,
        covered.academic_year,
        null,
        count_measures.dimension,
        count_measures.dimension_value,
        count_measures.unit,
    from covered
    inner join count_measures
        on covered.indicator_id = count_measures.indicator_id
),

missing as (
    select
        frame.indicator_id,
        frame.academic_year,
        frame.programme_code,
        frame.dimension,
        frame.dimension_value,
        case when frame.unit = 'percent' then null else 0 end as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        frame.unit,
    from frame
    anti join observed
        on frame.indicator_id = observed.indicator_id
        and frame.academic_year = observed.academic_year
        and coalesce(frame.programme_code, '') = coalesce(observed.programme_code, '')
        and coalesce(frame.dimension, '') = coalesce(observed.dimension, '')
        and coalesce(frame.dimension_value, '') = coalesce(observed.dimension_value, '')
),

combined as (
    select * from observed
    union all
    select * from missing
),

annotated_years as (
    select
        indicator_years.indicator_id,
        indicator_years.academic_year,
        string_agg(annotations.annotation_id, ';' order by annotations.annotation_id) as annotation_ids,
    from indicator_years
    inner join annotations
        on coalesce(annotations.indicator_id, indicator_years.indicator_id) = indicator_years.indicator_id
        and indicator_years.academic_year >= annotations.academic_year_from
        and indicator_years.academic_year
        <= coalesce(annotations.academic_year_to, indicator_years.academic_year)
    group by indicator_years.indicator_id, indicator_years.academic_year
),

final as (
    select
        combined.indicator_id,
        combined.academic_year,
        combined.programme_code,
        combined.dimension,
        combined.dimension_value,
        cast(combined.value as double) as value,
        cast(combined.numerator as double) as numerator,
        cast(combined.denominator as double) as denominator,
        coalesce(combined.unit, covered.unit) as unit,
        -- a measure that reads a source the headline does not (I07 per 100 graduates): that status
        case
            when combined.dimension = 'measure'
                and list_contains(
                    string_split(covered.measures_of_all_sources, ';'), combined.dimension_value
                )
                then covered.obs_status
            else covered.headline_obs_status
        end as obs_status,
        annotated_years.annotation_ids,
    from combined
    inner join covered
        on combined.indicator_id = covered.indicator_id
        and combined.academic_year = covered.academic_year
    left join annotated_years
        on combined.indicator_id = annotated_years.indicator_id
        and combined.academic_year = annotated_years.academic_year
)

select * from final
