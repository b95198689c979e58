{{ config(alias='plans') }}
-- Every plan the warehouse follows, one row per plan: the seed's period, baseline and follow-up
-- years, and the years its follow-ups read: the plan's mid-term (final) year or, where that year
-- has no final faculty value, the latest year before it with one (academic_years; a year with
-- only provisional values when none before it is final), a year after the plan's baseline first
-- (a next plan's follow-up reads its first years, provisional, not its baseline year's final
-- values; where the warehouse has no year after the baseline, the latest up to the follow-up year,
-- whose follow-up rows read no value); NULL when the warehouse has no value up to it.
-- Published as marts.plans (the model has another name because the seed reference.plans already
-- has this one).
with

plans as (
    select * from {{ plan_seed('plans') }}
),

academic_years as (
    select * from {{ ref('academic_years') }}
),

followup_years as (
    select
        plans.plan_id,
        coalesce(
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.midterm_year') }}
                and academic_years.academic_year_start > {{ academic_year_start_of('plans.baseline_year') }}
                and academic_years.has_final_values
            ),
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.midterm_year') }}
                and academic_years.academic_year_start > {{ academic_year_start_of('plans.baseline_year') }}
            ),
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.midterm_year') }}
                and academic_years.has_final_values
            ),
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.midterm_year') }}
            )
        ) as midterm_followup_year,
        coalesce(
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.final_year') }}
                and academic_years.academic_year_start > {{ academic_year_start_of('plans.baseline_year') }}
                and academic_years.has_final_values
            ),
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.final_year') }}
                and academic_years.academic_year_start > {{ academic_year_start_of('plans.baseline_year') }}
            ),
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.final_year') }}
                and academic_years.has_final_values
            ),
            max(academic_years.academic_year) filter (
                where academic_years.academic_year_start <= {{ academic_year_start_of('plans.final_year') }}
            )
        ) as final_followup_year,
    from plans
    cross join academic_years
    group by plans.plan_id
),

final as (
    select
        plans.plan_id,
        plans.name_sv as plan_name_sv,
        plans.name_en as plan_name_en,
        plans.first_year,
        plans.last_year,
        plans.baseline_year,
        plans.midterm_year,
        plans.final_year,
        followup_years.midterm_followup_year,
        followup_years.final_followup_year,
        plans.adopted_by,
        nullif(trim(plans.source_document), '') as source_document,
        plans.is_current,
        cast(plans.sort_order as integer) as sort_order,
    from plans
    left join followup_years
        on plans.plan_id = followup_years.plan_id
)

select * from final
