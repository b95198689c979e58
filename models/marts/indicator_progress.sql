-- Each headline value (dimension NULL) judged twice, for every plan that judges the indicator:
-- `status` by the plan's own rule and `progress` by the Open SDG / Statistics Canada method, with
-- the numbers behind them (the plan's baseline value, change, CAGR, required CAGR). One row per
-- plan, indicator, academic year and scope (programme_code NULL = faculty). The rules live in
-- macros/indicator_rules.sql; the plans, their baselines, targets and deadlines in the seeds.
-- A target's pace is measured to its own deadline (deadline_year); after the deadline a target
-- (coverage, majority, at_least) keeps the verdict and progress it had at the deadline.
-- No verdict on a partial year: a provisional or incomplete value (obs_status) has status and
-- progress 'provisional', the reason in no_verdict_reason, and no change or CAGR beside it, except
-- a milestone done within the year (a review that exists is done: met, or overdue when late) or
-- not done by a deadline that passed before the year began (overdue). An
-- incomplete value's reason names what is missing: a source that covers none of the year (named,
-- with the deliveries on either side, when the year lies between two that do not meet), or the
-- years before it that the value reaches back to (I02: student mobility from five years before).
-- A baseline value that is not final is no baseline: the years after it read insufficient_data,
-- with no_verdict_reason saying so (their own values may be final).
-- A milestone counts for a plan only when done within the plan's period (on or after the first day
-- of its first year): a review done under an earlier plan, or in the baseline year before it, is
-- not the new plan's (INDICATORS.md: the baseline is the last period before the plan); each plan's
-- date per scope is int_plan_milestones_dated'.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

plan_milestones as (
    select * from {{ ref('int_plan_milestones_dated') }}
),

indicator_years as (
    select * from {{ ref('int_indicator_years_covered') }}
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
        -- a milestone's value (1 done, 0 not) is the plan's: done by the year's end within the plan's
        -- period (int_plan_milestones_dated), as its status reads it, not a review of the plan before
        case
            when plan_indicators.rule = 'milestone' and headline.value is not null
                then {{ milestone_value('plan_milestones.done_on', 'headline.academic_year') }}
            else headline.value
        end as value,
        headline.unit,
        headline.obs_status,
        -- why an incomplete value is: a source covers none of the year, or none of a year before it
        -- that the value reaches back to (int_indicator_years_covered)
        coalesce(
            indicator_years.sources_covering < indicator_years.sources,
            indicator_years.lookback_not_covered is null
        ) as has_source_missing_the_year,
        indicator_years.lookback_not_covered,
        indicator_years.not_delivered,
        indicator_years.partly_covered,
        indicator_years.not_covered,
        headline.annotation_ids,
        plan_indicators.rule,
        plan_indicators.secondary_rule,
        plan_indicators.baseline_year,
        -- a baseline value that is not final (e.g. I02's 2018/19 without mobility from 2013/14) may be
        -- an undercount: no year is judged against it (insufficient_data, the reason beside it)
        case
            when coalesce(baseline.obs_status, '') != 'final' then null
            when plan_indicators.rule = 'milestone'
                then {{ milestone_value('plan_milestones.done_on', 'baseline.academic_year') }}
            else baseline.value
        end as baseline_value,
        baseline.obs_status as baseline_obs_status,
        -- a target set as a change from the baseline (plan_indicators.target_change_unit) is a level
        -- of each scope's own: 40 % at baseline and 5 percentage points to go is 45 %; 120 and 10 % is 132
        case plan_indicators.target_change_unit
            when 'percentage_points' then baseline_value + plan_indicators.target_value
            -- a relative change of a baseline of 0 is 0: no level to reach (no verdict, below)
            when 'percent' then nullif(baseline_value, 0) * (1 + plan_indicators.target_value / 100)
            else plan_indicators.target_value
        end as target_value,
        plan_indicators.target_change_unit,
        plan_indicators.deadline_year,
        plan_indicators.deadline_date,
        plan_indicators.plan_last_year,
        {{ academic_year_last_date('headline.academic_year') }} as as_of_date,
        {{ academic_year_start_of('headline.academic_year') }}
        - {{ academic_year_start_of('plan_indicators.baseline_year') }} as years_since_baseline,
        {{ academic_year_start(
            'coalesce(plan_indicators.deadline_date, '
            ~ academic_year_last_date('plan_indicators.plan_last_year') ~ ')'
        ) }}
        - {{ academic_year_start_of('plan_indicators.baseline_year') }} as target_years,
        plan_milestones.done_on as milestone_done_on,
    from headline
    inner join plan_indicators
        on headline.indicator_id = plan_indicators.indicator_id
    left join headline as baseline
        on headline.indicator_id = baseline.indicator_id
        and coalesce(headline.programme_code, '') = coalesce(baseline.programme_code, '')
        and plan_indicators.baseline_year = baseline.academic_year
    left join plan_milestones
        on plan_indicators.plan_id = plan_milestones.plan_id
        and headline.indicator_id = plan_milestones.indicator_id
        and coalesce(headline.programme_code, '') = coalesce(plan_milestones.programme_code, '')
    left join indicator_years
        on headline.indicator_id = indicator_years.indicator_id
        and headline.academic_year = indicator_years.academic_year
),

judged as (
    select
        *,
        value - baseline_value as change_abs,
        case
            when baseline_value != 0 then 100.0 * (value - baseline_value) / baseline_value
        end as change_pct,
        {{ cagr_pct('value', 'baseline_value', 'years_since_baseline') }} as cagr_pct,
        {{ required_cagr_pct(
            'rule', 'baseline_value', 'target_value', 'target_years',
        ) }} as required_cagr_pct,
        {{ indicator_status(
            'rule', 'value', 'baseline_value', 'target_value',
            'milestone_done_on', 'deadline_date', 'as_of_date',
        ) }} as own_status,
        {{ indicator_progress(
            'rule', 'own_status', 'value', 'baseline_value', 'target_value',
            'years_since_baseline', 'target_years', 'milestone_done_on', 'as_of_date',
        ) }} as own_progress,
        case
            when secondary_rule = 'milestone' then {{ indicator_status(
                "'milestone'", 'value', 'null', 'null', 'milestone_done_on', 'deadline_date', 'as_of_date',
            ) }}
        end as milestone_status,
    from judged_inputs
),

at_deadline as (
    select
        plan_id,
        indicator_id,
        programme_code,
        academic_year,
        own_status,
        own_progress,
    from judged
    where years_since_baseline = target_years
        and obs_status = 'final'
),

verdicts as (
    select
        judged.*,
        judged.rule in ('coverage', 'majority', 'at_least')
        and judged.years_since_baseline > judged.target_years as is_after_deadline,
        case
            when is_after_deadline then coalesce(at_deadline.own_status, 'insufficient_data')
            else judged.own_status
        end as status,
        case
            when is_after_deadline then coalesce(at_deadline.own_progress, 'not_available')
            else judged.own_progress
        end as progress,
        case
            when is_after_deadline then at_deadline.academic_year
            else judged.academic_year
        end as verdict_year,
        -- a verdict needs a final value, except a milestone's in a partial year: a review that
        -- exists is done, whatever else of the year is still to come (met, or overdue when done
        -- late), and one not done by a deadline that passed before the year began is overdue; a
        -- date after the run's date is a review planned, not done. A secondary milestone (I12,
        -- I24) is judged by the same rule in milestone_status.
        coalesce(
            judged.milestone_done_on <= least(judged.as_of_date, {{ run_date() }})
            or judged.deadline_date < {{ academic_year_first_date('judged.academic_year') }},
            false
        ) as is_milestone_judged_early,
        judged.obs_status = 'final'
        or (judged.rule = 'milestone' and is_milestone_judged_early) as is_judged,
        -- after the deadline the deadline year's verdict stands; a deadline year without a final
        -- value has none to keep (insufficient_data, and the reason says so)
        is_after_deadline and at_deadline.academic_year is null as has_no_verdict_at_the_deadline,
        -- a deadline in or before the baseline year (a typo in the seeds, which
        -- tests/dbt/assert_plan_deadlines_after_their_baseline.sql stops) leaves no year to reach
        -- the target in: no verdict in the years after the baseline, rather than the baseline
        -- year's own verdict ever after (the baseline year and the years before it read the rule)
        judged.target_years <= 0 and judged.years_since_baseline > 0 as is_due_by_the_baseline,
        -- a relative change (target_change_unit percent) of a baseline of 0 is no level to reach:
        -- no verdict in any year, as with no baseline value at all
        coalesce(judged.target_change_unit = 'percent' and judged.baseline_value = 0, false)
            as is_relative_to_zero,
    from judged
    left join at_deadline
        on judged.plan_id = at_deadline.plan_id
        and judged.indicator_id = at_deadline.indicator_id
        and coalesce(judged.programme_code, '') = coalesce(at_deadline.programme_code, '')
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
        case when is_judged then change_abs end as change_abs,
        case when is_judged then change_pct end as change_pct,
        target_value,
        years_since_baseline,
        case when is_judged then cagr_pct end as cagr_pct,
        required_cagr_pct,
        case
            when is_judged and (is_due_by_the_baseline or is_relative_to_zero) then 'insufficient_data'
            when is_judged then status
            else 'provisional'
        end as status,
        obs_status,
        case
            when is_judged and is_due_by_the_baseline
                then 'the target is due '
                    || deadline_year
                    || ', not after the baseline year '
                    || baseline_year
                    || ': no year is left to reach it in (plan_indicators.deadline_year of '
                    || plan_id
                    || ')'
            when is_judged and is_relative_to_zero
                then 'the target is a relative change from a baseline value of 0: no level to reach'
                    || ' (plan_indicators.target_change_unit percent of '
                    || plan_id
                    || ')'
            when is_judged and has_no_verdict_at_the_deadline
                then 'no verdict at the deadline '
                    || deadline_year
                    || ' (no final value that year), and after its deadline a target keeps'
                    || ' the verdict it had there'
            -- a milestone done in a partial year has its verdict, and no reason for none
            when is_judged and obs_status != 'final' then null
            when obs_status = 'provisional'
                then 'provisional value: its sources cover only part of the year'
                    || coalesce(' (' || partly_covered || ')', '')
            when obs_status = 'final'
                then case
                        when rule != 'milestone' and baseline_obs_status != 'final'
                            then 'baseline value not final: '
                                || baseline_year
                                || ' is '
                                || baseline_obs_status
                                || ', so no year is judged against it'
                    end
            when obs_status = 'incomplete'
                then 'incomplete value: '
                    || concat_ws(
                        '; ',
                        case
                            when has_source_missing_the_year
                                then coalesce(
                                        nullif(concat_ws('; ', not_delivered, not_covered), ''),
                                        'a source it uses covers none of the year'
                                    )
                        end,
                        lookback_not_covered
                    )
        end as no_verdict_reason,
        annotation_ids,
        case
            when is_judged and (is_due_by_the_baseline or is_relative_to_zero) then 'not_available'
            when is_judged then progress
            else 'provisional'
        end as progress,
        deadline_year,
        case
            when is_judged and not (is_due_by_the_baseline or is_relative_to_zero) then verdict_year
        end as verdict_year,
        secondary_rule,
        milestone_done_on,
        case
            when milestone_status is null then null
            when obs_status = 'final' or is_milestone_judged_early then milestone_status
            else 'provisional'
        end as milestone_status,
    from verdicts
)

select * from final
