-- Long rows for the student indicators: I01 outgoing students, I02 graduates with a stay
-- abroad, I03 outgoing credit mobilities, I07 CIM awards (and per 100 graduates),
-- I11 incoming students. Persons are distinct pseudonyms; withdrawn stays never count,
-- discontinued ones do.
with

mobilities as (
    select * from {{ ref('int_student_mobilities_enriched') }}
),

graduates as (
    select * from {{ ref('int_graduates_matched') }}
),

awards as (
    select * from {{ ref('int_cim_awards_enriched') }}
),

outgoing as (
    select *
    from mobilities
    where direction = 'outgoing'
        and not is_withdrawn
        and is_physical
),

incoming as (
    select *
    from mobilities
    where direction = 'incoming'
        and not is_withdrawn
        and is_physical
),

credit_mobilities as (
    select *
    from outgoing
    where is_credit_mobility
),

awards_and_graduates as (
    select
        academic_year,
        programme_code,
        student_id as awarded_student_id,
        cast(null as varchar) as graduated_student_id,
    from awards
    union all
    select
        academic_year,
        programme_code,
        null,
        student_id,
    from graduates
),

i01 as (
    {{ count_by_dimensions(
        'outgoing', 'I01', 'count(distinct student_id)',
        dimensions=['mobility_type', 'level', 'gender', 'partner_region'],
    ) }}
),

i01_stays as (
    {{ count_by_dimensions('outgoing', 'I01', 'count(*)', measure='stays', unit='mobilities') }}
),

i02 as (
    {{ share_rows(
        'graduates', 'I02',
        'count(distinct case when has_stay_abroad then student_id end)',
        'count(distinct student_id)',
    ) }}
),

i03 as (
    {{ count_by_dimensions(
        'credit_mobilities', 'I03', 'count(*)',
        dimensions=['mobility_type', 'level', 'gender', 'partner_region'],
    ) }}
),

i07 as (
    {{ count_by_dimensions('awards', 'I07', 'count(distinct student_id)') }}
),

i07_per_100_graduates as (
    select
        'I07' as indicator_id,
        academic_year,
        case when grouping(programme_code) = 0 then programme_code end as programme_code,
        'measure' as dimension,
        'per_100_graduates' as dimension_value,
        cast(
            100.0
            * count(distinct awarded_student_id)
            / nullif(count(distinct graduated_student_id), 0) as double
        ) as value,
        cast(count(distinct awarded_student_id) as double) as numerator,
        cast(count(distinct graduated_student_id) as double) as denominator,
        'per_100_graduates' as unit,
    from awards_and_graduates
    group by grouping sets ((academic_year), (academic_year, programme_code))
),

i11 as (
    {{ count_by_dimensions(
        'incoming', 'I11', 'count(distinct student_id)',
        dimensions=['mobility_type', 'level', 'gender', 'partner_region'],
    ) }}
),

final as (
    select * from i01
    union all
    select * from i01_stays
    union all
    select * from i02
    union all
    select * from i03
    union all
    select * from i07
    union all
    select * from i07_per_100_graduates
    union all
    select * from i11
)

select * from final
