-- Each headline value (dimension NULL) judged twice, for every plan that judges the indicator:
-- `status` by the plan's own rule and `progress` by the Open SDG / Statistics Canada method, with
-- the numbers behind them (the plan's baseline value, change, CAGR, required CAGR). One row per
-- plan, indicator, academic year and scope (programme_code NULL = faculty). The rules live in
-- macros/indicator_rules.sql; the plans, their baselines, targets and deadlines in the seeds.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

milestones as (
    select * from {{ ref('int_milestones_completed') }}
),

headline as (
    select *
    from indicator_values
    where dimension is null
),

judged_inputs as (
    select
        plan_indicators.plan_id,
        headline.indicator_id,
        headline.academic_year,
        headline.programme_code,
        headline.value,
        headline.unit,
        headline.obs_status,
        headline.annotation_ids,
        plan_indicators.rule,
        plan_indicators.secondary_rule,
        plan_indicators.baseline_year,
        baseline.value as baseline_value,
        plan_indicators.target_value,
        plan_indicators.deadline_year,
        plan_indicators.deadline_date,
        plan_indicators.plan_last_year,
        {{ academic_year_last_date('headline.academic_year') }} as as_of_date,
        {{ academic_year_start_of('headline.academic_year') }}
        - {{ academic_year_start_of('plan_indicators.baseline_year') }} as years_since_baseline,
        {{ academic_year_start_of('plan_indicators.plan_last_year') }}
        - {{ academic_year_start_of('plan_indicators.baseline_year') }} as plan_years,
        milestones.done_on as milestone_done_on,
    from headline
    inner join plan_indicators
        on headline.indicator_id = plan_indicators.indicator_id
    left join headline as baseline
        on headline.indicator_id = baseline.indicator_id
        and coalesce(headline.programme_code, '') = coalesce(baseline.programme_code, '')
        and plan_indicators.baseline_year = baseline.academic_year
    left join milestones
        on headline.indicator_id = milestones.indicator_id
        and coalesce(headline.programme_code, '') = coalesce(milestones.programme_code, '')
),

judged as (
    select
        *,
        value - baseline_value as change_abs,
        case
            when baseline_value != 0 then 100.0 * (value - baseline_value) / baseline_value
        end as change_pct,
        {{ cagr_pct('value', 'baseline_value', 'years_since_baseline') }} as cagr_pct,
        {{ required_cagr_pct('rule', 'baseline_value', 'target_value', 'plan_years') }} as required_cagr_pct,
        {{ indicator_status(
            'rule', 'value', 'baseline_value', 'target_value',
            'milestone_done_on', 'deadline_date', 'as_of_date',
        ) }} as status,
        case
            when secondary_rule = 'milestone' then {{ indicator_status(
                "'milestone'", 'value', 'null', 'null', 'milestone_done_on', 'deadline_date', 'as_of_date',
            ) }}
        end as milestone_status,
    from judged_inputs
),

final as (
    select
        plan_id,
        indicator_id,
        academic_year,
        programme_code,
        case
            when years_since_baseline < 0 then 'before_baseline'
            when years_since_baseline = 0 then 'baseline'
            when {{ academic_year_start_of('academic_year') }}
                <= {{ academic_year_start_of('plan_last_year') }} then 'plan'
            else 'after_plan'
        end as period,
        value,
        unit,
        rule,
        baseline_year,
        baseline_value,
        change_abs,
        change_pct,
        target_value,
        years_since_baseline,
        cagr_pct,
        required_cagr_pct,
        status,
        obs_status,
        annotation_ids,
        {{ indicator_progress(
            'rule', 'status', 'value', 'baseline_value', 'target_value',
            'years_since_baseline', 'plan_years', 'milestone_done_on', 'as_of_date',
        ) }} as progress,
        deadline_year,
        secondary_rule,
        milestone_done_on,
        milestone_status,
    from judged
)

select * from final
