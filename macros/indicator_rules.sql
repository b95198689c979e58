{#
    The plan's rules, in one place (documented in models/marts/_marts__docs.md, pinned by
    the unit tests of indicator_progress).

    status (the plan's own rule):
      increase  -> met when value > baseline value, else not_met
      coverage  -> met when value >= target (100), else not_met
      at_least  -> met when value >= target (a plan's own target value, e.g. 650 students), else not_met
      majority  -> met when value > target (50), else not_met
      milestone -> met when done on or before the deadline (and by the end of the year read);
                   overdue when not done by the deadline and the year read ends after it;
                   pending otherwise
      insufficient_data when the year's value or (except milestones) the baseline value is missing.
#}
{% macro indicator_status(rule, value, baseline_value, target_value, done_on, deadline_date, as_of_date) -%}
    case
        when {{ rule }} = 'milestone' then
            case
                when {{ value }} is null then 'insufficient_data'
                when {{ done_on }} is not null
                    and {{ done_on }} <= {{ deadline_date }}
                    and {{ done_on }} <= {{ as_of_date }} then 'met'
                when {{ as_of_date }} > {{ deadline_date }} then 'overdue'
                else 'pending'
            end
        when {{ value }} is null or {{ baseline_value }} is null then 'insufficient_data'
        when {{ rule }} = 'increase' then
            case when {{ value }} > {{ baseline_value }} then 'met' else 'not_met' end
        when {{ rule }} in ('coverage', 'at_least') then
            case when {{ value }} >= coalesce({{ target_value }}, 100) then 'met' else 'not_met' end
        when {{ rule }} = 'majority' then
            case when {{ value }} > coalesce({{ target_value }}, 50) then 'met' else 'not_met' end
    end
{%- endmacro %}


{#
    Compound annual growth rate from the baseline, in percent per year:
    100 * ((value / baseline) ^ (1 / years) - 1). Not computable (NULL) when years <= 0,
    the baseline is 0 or missing, or the value is missing or negative.
#}
{% macro cagr_pct(value, baseline_value, years) -%}
    case
        when {{ years }} > 0 and {{ baseline_value }} > 0 and {{ value }} >= 0
            then round(100.0 * (power(cast({{ value }} as double) / {{ baseline_value }}, 1.0 / {{ years }}) - 1), 6)
    end
{%- endmacro %}


{#
    The CAGR (percent per year) needed to go from the baseline to the target by the target's
    deadline (`target_years`: from the baseline year to the academic year of the deadline,
    plan_indicators.deadline_year; the plan's last year when it has none). NULL for increase
    rules (no target) and when the baseline is 0 or missing.
#}
{% macro required_cagr_pct(rule, baseline_value, target_value, target_years) -%}
    case
        when {{ rule }} in ('coverage', 'majority', 'at_least')
            and {{ baseline_value }} > 0
            and {{ target_years }} > 0
            then round(100.0 * (
                power(
                    coalesce({{ target_value }}, case when {{ rule }} = 'coverage' then 100 else 50 end)
                    / {{ baseline_value }},
                    1.0 / {{ target_years }}
                ) - 1
            ), 6)
    end
{%- endmacro %}


{#
    progress (Open SDG / Statistics Canada categories):
      not_available   status insufficient_data; a year at or before the baseline (no growth
                      to measure); a milestone not (yet) done
      target_achieved coverage/majority/at_least met; milestone done
      increase (no target): CAGR >= 1.5 on_track, >= 0.5 moderate, >= 0 limited, < 0 deterioration;
                      baseline 0: on_track when the value is above 0, limited when still 0
      coverage/majority/at_least not met: ratio = CAGR / required CAGR: >= 0.95 on_track,
                      >= 0.6 moderate (needs acceleration), >= 0 limited, < 0 deterioration;
                      baseline 0 (CAGR not computable): the same thresholds on the linear ratio
                      (value / target) / (years / target years), the years to the deadline;
                      baseline at or above the target (required CAGR <= 0): deterioration
                      when the CAGR is negative, else limited
#}
{% macro indicator_progress(
    rule, status, value, baseline_value, target_value, years, target_years, done_on, as_of_date
) -%}
    {%- set cagr = cagr_pct(value, baseline_value, years) -%}
    {%- set required = required_cagr_pct(rule, baseline_value, target_value, target_years) -%}
    {%- set ratio = 'round((' ~ cagr ~ ') / (' ~ required ~ '), 6)' -%}
    {%- set target =
        'coalesce(' ~ target_value ~ ", case when " ~ rule ~ " = 'coverage' then 100 else 50 end)" -%}
    case
        when {{ status }} = 'insufficient_data' then 'not_available'
        when {{ rule }} = 'milestone' then
            case
                when {{ done_on }} is not null and {{ done_on }} <= {{ as_of_date }} then 'target_achieved'
                else 'not_available'
            end
        when {{ rule }} in ('coverage', 'majority', 'at_least') and {{ status }} = 'met' then 'target_achieved'
        when {{ years }} <= 0 then 'not_available'
        when {{ rule }} = 'increase' then
            case
                when {{ baseline_value }} = 0 then
                    case when {{ value }} > 0 then 'on_track' else 'limited' end
                when ({{ cagr }}) >= 1.5 then 'on_track'
                when ({{ cagr }}) >= 0.5 then 'moderate'
                when ({{ cagr }}) >= 0 then 'limited'
                else 'deterioration'
            end
        when {{ rule }} in ('coverage', 'majority', 'at_least') then
            case
                when {{ baseline_value }} = 0 then
                    case
                        when ({{ value }} / {{ target }}) / ({{ years }} / {{ target_years }}) >= 0.95 then 'on_track'
                        when ({{ value }} / {{ target }}) / ({{ years }} / {{ target_years }}) >= 0.6 then 'moderate'
                        else 'limited'
                    end
                when ({{ required }}) <= 0 then
                    case when ({{ cagr }}) < 0 then 'deterioration' else 'limited' end
                when {{ ratio }} >= 0.95 then 'on_track'
                when {{ ratio }} >= 0.6 then 'moderate'
                when {{ ratio }} >= 0 then 'limited'
                else 'deterioration'
            end
        else 'not_available'
    end
{%- endmacro %}

{#
    milestone_value: a milestone's value for a plan in the academic year `academic_year`
    ('2019/20'): 1 when `done_on` (the plan's own date, int_plan_milestones_dated) is on or
    before the year's last day (30 June), else 0 (never done: 0).
#}
{% macro milestone_value(done_on, academic_year) -%}
    cast(case when {{ done_on }} <= {{ academic_year_last_date(academic_year) }} then 1 else 0 end as double)
{%- endmacro %}
