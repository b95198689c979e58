-- Every delivery loaded: one row per export file whose rows reached raw, with the day it was
-- taken when its file name says so (`staff_mobility_2024-03-01.csv`).
with

source as (
    select * from {{ source('audit', 'loaded_files') }}
),

final as (
    select
        file_id,
        source as source_name,
        file_name,
        extraction_date,
        loaded_at,
    from source
    where status = 'loaded'
)

select * from final
