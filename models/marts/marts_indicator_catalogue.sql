{{ config(alias='indicator_catalogue') }}
-- One row per indicator (and M1): the catalogue seed with the plan's text of its target
-- and goal, in Swedish and English. Published as marts.indicator_catalogue (the model has
-- another name because the seed reference.indicator_catalogue already has this one).
with

indicator_catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

plan_targets as (
    select * from {{ ref('plan_targets') }}
),

final as (
    select
        indicator_catalogue.indicator_id,
        indicator_catalogue.target_id,
        targets.target_kind,
        targets.text_sv as target_text_sv,
        targets.text_en as target_text_en,
        indicator_catalogue.goal_id,
        goals.text_sv as goal_text_sv,
        goals.text_en as goal_text_en,
        indicator_catalogue.name_sv,
        indicator_catalogue.name_en,
        indicator_catalogue.definition_sv,
        indicator_catalogue.definition_en,
        indicator_catalogue.unit,
        indicator_catalogue.sources,
        indicator_catalogue.rule,
        nullif(trim(indicator_catalogue.secondary_rule), '') as secondary_rule,
        coalesce(
            nullif(trim(indicator_catalogue.baseline_year), ''), '{{ var("baseline_year") }}'
        ) as baseline_year,
        cast(
            coalesce(
                try_cast(indicator_catalogue.target_value as double),
                case indicator_catalogue.rule when 'coverage' then 100 when 'majority' then 50 end
            ) as double
        ) as target_value,
        nullif(trim(indicator_catalogue.deadline_year), '') as deadline_year,
        {{ deadline_date("nullif(trim(indicator_catalogue.deadline_year), '')") }} as deadline_date,
        indicator_catalogue.per_programme,
        cast(indicator_catalogue.sort_order as integer) as sort_order,
    from indicator_catalogue
    left join plan_targets as targets
        on indicator_catalogue.target_id = targets.target_id
    left join plan_targets as goals
        on indicator_catalogue.goal_id = goals.target_id
)

select * from final
