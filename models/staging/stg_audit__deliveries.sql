-- Every delivery: one row per export file whose rows reached raw (status `loaded`), with the day
-- it was taken when its file name says so (`staff_mobility_2024-03-01.csv`). Beside them, for the
-- years a source's deliveries reach (int_source_deliveries_spanned), two kinds of dated file that
-- brought no rows of their own: one with the same bytes as a loaded file (status `skipped`: that
-- file's rows, delivered again on a later day) and an export with no data rows (status `rejected`,
-- reason 'no data rows …': a monthly delta's month without anything new).
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
        status,
        sha256,
        status = 'loaded' as is_loaded,
    from source
    where status = 'loaded'
        or (
            extraction_date is not null
            and source is not null
            and (status = 'skipped' or (status = 'rejected' and starts_with(reason, 'no data rows')))
        )
)

select * from final
