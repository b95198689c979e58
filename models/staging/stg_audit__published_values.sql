-- Every version of every indicator value a publish published (audit.published_values keeps only
-- what changed), in publish order.
with

source as (
    select * from {{ source('audit', 'published_values') }}
),

final as (
    select
        run_id,
        published_at,
        indicator_id,
        academic_year,
        programme_code,
        dimension,
        dimension_value,
        value,
        obs_status,
        is_removed,
    from source
)

select * from final
