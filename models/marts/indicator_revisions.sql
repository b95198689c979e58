-- Every value that differs from what an earlier run published: one row per value (indicator,
-- year, scope, breakdown) and earlier publish whose number (or status) is not the one this build
-- publishes, with both numbers and both runs. Late registrations and re-exports move past years'
-- numbers; this is how an analyst says what an earlier report said and why today's differs.
with

published_values as (
    select * from {{ ref('stg_audit__published_values') }}
),

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

earlier_versions as (
    select *
    from published_values
    where not is_removed
),

first_published as (
    select
        indicator_id,
        academic_year,
        programme_code,
        dimension,
        dimension_value,
        min(published_at) as first_published_at,
    from earlier_versions
    group by all
),

final as (
    select
        indicator_values.indicator_id,
        indicator_values.academic_year,
        indicator_values.programme_code,
        indicator_values.dimension,
        indicator_values.dimension_value,
        earlier_versions.run_id as published_run_id,
        earlier_versions.published_at,
        earlier_versions.published_at = first_published.first_published_at as is_first_published,
        earlier_versions.value as published_value,
        earlier_versions.obs_status as published_obs_status,
        '{{ env_var("INDICATORS_RUN_ID", "") }}' as current_run_id,
        indicator_values.value as current_value,
        indicator_values.obs_status as current_obs_status,
        indicator_values.value - earlier_versions.value as revision,
    from indicator_values
    inner join earlier_versions
        on indicator_values.indicator_id = earlier_versions.indicator_id
        and indicator_values.academic_year = earlier_versions.academic_year
        and indicator_values.programme_code is not distinct from earlier_versions.programme_code
        and indicator_values.dimension is not distinct from earlier_versions.dimension
        and indicator_values.dimension_value is not distinct from earlier_versions.dimension_value
    inner join first_published
        on indicator_values.indicator_id = first_published.indicator_id
        and indicator_values.academic_year = first_published.academic_year
        and indicator_values.programme_code is not distinct from first_published.programme_code
        and indicator_values.dimension is not distinct from first_published.dimension
        and indicator_values.dimension_value is not distinct from first_published.dimension_value
    where indicator_values.value is distinct from earlier_versions.value
        or indicator_values.obs_status is distinct from earlier_versions.obs_status
)

select * from final
