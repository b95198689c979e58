{{ config(alias='indicator_catalogue') }}
-- One row per indicator: the catalogue seed with the current plan's target and goal (Swedish
-- and English), rule, target value and deadline. Indicators the current plan does not judge
-- keep their definition with empty plan columns. Every plan's targets: marts.plan_catalogue.
-- Published as marts.indicator_catalogue (the model has another name because the seed
-- reference.indicator_catalogue already has this one).
with

indicator_catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

current_plan as (
    select *
    from plan_indicators
    where is_current_plan
    qualify row_number() over (partition by indicator_id order by sort_order, target_id) = 1
),

final as (
    select
        indicator_catalogue.indicator_id,
        current_plan.plan_id,
        current_plan.target_id,
        current_plan.target_kind,
        current_plan.target_text_sv,
        current_plan.target_text_en,
        current_plan.goal_id,
        current_plan.goal_text_sv,
        current_plan.goal_text_en,
        indicator_catalogue.name_sv as indicator_name_sv,
        indicator_catalogue.name_en as indicator_name_en,
        indicator_catalogue.definition_sv,
        indicator_catalogue.definition_en,
        indicator_catalogue.unit,
        indicator_catalogue.sources,
        current_plan.rule,
        current_plan.secondary_rule,
        current_plan.baseline_year,
        current_plan.target_value,
        current_plan.deadline_year,
        current_plan.deadline_date,
        indicator_catalogue.per_programme,
        indicator_catalogue.has_person_denominator,
        indicator_catalogue.is_programme_coverage,
        cast(indicator_catalogue.sort_order as integer) as sort_order,
    from indicator_catalogue
    left join current_plan
        on indicator_catalogue.indicator_id = current_plan.indicator_id
)

select * from final
