-- The follow-ups of each plan, target by target: for the mid-term and the final follow-up, the
-- faculty value of the plan's follow-up year or, where that year has no final value, of the
-- latest earlier year with one (followup_year says which), judged by that plan's rule; a
-- provisional or incomplete value (no verdict) only when no year up to it is final. A milestone
-- judged in a partial year (done within it: indicator_progress) counts as a year with a verdict, so
-- the follow-up reads "met" there rather than an earlier year's "pending". A follow-up
-- reads a year after the plan's baseline, never the baseline or before (a next plan loaded before
-- its years have data would read its baseline year's "met", the target met before the plan
-- began): none, no value and insufficient_data, no_verdict_reason naming the years and the sources
-- that gave no value. One row per plan, indicator and follow-up kind
-- (midterm, final); the follow-up years are the seeds'.
with

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

progress as (
    select * from {{ ref('indicator_progress') }}
),

indicator_sources as (
    select * from {{ ref('int_indicator_sources_listed') }}
),

-- the sources a headline value reads (not those of a measure alone), named where a follow-up finds
-- no value: a reader learns where to look (marts.source_coverage)
headline_sources as (
    select
        indicator_id,
        string_agg(source_name, ', ' order by source_name) as source_names,
    from indicator_sources
    where measure_only is null
    group by indicator_id
),

followup_kinds as (
    select
        plan_id,
        indicator_id,
        'midterm' as followup_kind,
        midterm_year as planned_year,
        baseline_year,
    from plan_indicators
    union all
    select
        plan_id,
        indicator_id,
        'final',
        final_year,
        baseline_year,
    from plan_indicators
),

faculty_values as (
    select *
    from progress
    where programme_code is null
        and value is not null
),

latest as (
    select
        followup_kinds.followup_kind,
        followup_kinds.planned_year,
        faculty_values.*,
    from followup_kinds
    inner join faculty_values
        on followup_kinds.plan_id = faculty_values.plan_id
        and followup_kinds.indicator_id = faculty_values.indicator_id
        and {{ academic_year_start_of('faculty_values.academic_year') }}
        <= {{ academic_year_start_of('followup_kinds.planned_year') }}
        and {{ academic_year_start_of('faculty_values.academic_year') }}
        > {{ academic_year_start_of('followup_kinds.baseline_year') }}
    qualify
        row_number() over (
            partition by followup_kinds.plan_id, followup_kinds.indicator_id, followup_kinds.followup_kind
            -- a year with a verdict first: a final value, or a milestone judged in a partial year
            order by faculty_values.status != 'provisional' desc, faculty_values.academic_year desc
        ) = 1
),

final as (
    select
        followup_kinds.plan_id,
        followup_kinds.indicator_id,
        followup_kinds.followup_kind,
        followup_kinds.planned_year,
        latest.academic_year as followup_year,
        coalesce(latest.academic_year != followup_kinds.planned_year, true) as is_earlier_year,
        latest.value as followup_value,
        latest.obs_status as followup_obs_status,
        latest.baseline_value,
        latest.change_abs,
        latest.change_pct,
        latest.cagr_pct,
        latest.required_cagr_pct,
        coalesce(latest.status, 'insufficient_data') as status,
        coalesce(latest.progress, 'not_available') as progress,
        latest.milestone_done_on,
        latest.milestone_status,
        -- why there is no verdict: the year's own reason, or, where no year after the baseline has
        -- a value, that none has, and the sources that should have given one
        case
            when latest.academic_year is not null then latest.no_verdict_reason
            else 'no value in any year from '
                || {{ academic_year_label(academic_year_start_of('followup_kinds.baseline_year') ~ ' + 1') }}
                || ' to '
                || followup_kinds.planned_year
                || coalesce(
                    ': its sources ('
                    || headline_sources.source_names
                    || ') give none (marts.source_coverage shows how far each reaches)',
                    ''
                )
        end as no_verdict_reason,
    from followup_kinds
    left join latest
        on followup_kinds.plan_id = latest.plan_id
        and followup_kinds.indicator_id = latest.indicator_id
        and followup_kinds.followup_kind = latest.followup_kind
    left join headline_sources
        on followup_kinds.indicator_id = headline_sources.indicator_id
)

select * from final
