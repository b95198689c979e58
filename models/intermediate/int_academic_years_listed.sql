-- The academic years the warehouse reports on, from the data: every year from the earliest
-- event or register year across the loaded sources (not before var('first_year') when that
-- optional floor is set) to the year holding the latest coverage end (int_sources_bounded).
with

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

-- agreements and programmes widen the years only when nothing else has been loaded
first_dates as (
    select
        coalesce(
            min(first_date) filter (where sets_reporting_years),
            min(first_date)
        ) as first_date,
        max(coverage_end_date) as last_date,
    from sources
),

bounds as (
    select
        {% if var('first_year', none) -%}
            greatest(
                {{ academic_year_start('first_date') }},
                {{ academic_year_start_of("'" ~ var('first_year') ~ "'") }}
            )
        {%- else -%}
            {{ academic_year_start('first_date') }}
        {%- endif %} as first_start,
        {{ academic_year_start('last_date') }} as last_start,
    from first_dates
    where first_date is not null
        and last_date is not null
),

spine as (
    select cast(year_starts.range as integer) as academic_year_start
    from bounds,
        range(bounds.first_start, bounds.last_start + 1) as year_starts
),

labelled as (
    select
        {{ academic_year_label('academic_year_start') }} as academic_year,
        academic_year_start,
    from spine
),

final as (
    select
        academic_year,
        academic_year_start,
        {{ academic_year_first_date('academic_year') }} as first_date,
        {{ academic_year_last_date('academic_year') }} as last_date,
        {{ reference_date('academic_year') }} as reference_date,
    from labelled
)

select * from final
