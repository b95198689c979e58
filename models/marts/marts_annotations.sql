{{ config(alias='annotations') }}
-- The annotations indicator_values.annotation_ids refer to (series breaks, definitions, periods
-- such as COVID-19), one row per annotation: the seed with empty fields as NULL. An annotation
-- without indicator_id concerns every indicator its text names; one without academic_year_to is
-- still in force. Published as marts.annotations (the model has another name because the seed
-- reference.annotations already has this one).
with

annotations as (
    select * from {{ ref('annotations') }}
),

final as (
    select
        annotation_id,
        academic_year_from,
        nullif(trim(academic_year_to), '') as academic_year_to,
        nullif(trim(indicator_id), '') as indicator_id,
        kind,
        text_sv,
        text_en,
    from annotations
)

select * from final
