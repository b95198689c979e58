-- Long rows for the agreement indicators, all read from the agreements valid on each
-- year's reference date: I17 share with staff teaching mobility (STA), I22 strategic
-- partnerships (and world regions covered), I23 collaboration with U21 / LERU / EUGLOH
-- members (agreements; mobilities and their share of all mobilities), I24 share of
-- agreements in use (>= 1 student or staff mobility with the partner in the year or the
-- years before it, var('portfolio_use_window_years') in all), also per programme.
with

agreement_years as (
    select * from {{ ref('int_agreement_years_validated') }}
),

programme_years as (
    select * from {{ ref('int_programme_years_activated') }}
),

student_mobilities as (
    select * from {{ ref('int_student_mobilities_enriched') }}
),

staff_mobilities as (
    select * from {{ ref('int_staff_mobilities_enriched') }}
),

network_codes as (
    select * from {{ ref('int_partner_networks_mapped') }}
),

-- every counted stay, student (physical) and staff, both directions
stays as (
    select
        'student' as mobility_group,
        mobility_id,
        partner_code,
        academic_year,
        academic_year_start,
    from student_mobilities
    where not is_withdrawn
        and is_physical
    union all
    select
        'staff',
        mobility_id,
        partner_code,
        academic_year,
        academic_year_start,
    from staff_mobilities
    where not is_withdrawn
),

-- I17
i17 as (
    {{ share_rows(
        'agreement_years', 'I17',
        'count(distinct case when has_staff_teaching then agreement_id end)',
        'count(distinct agreement_id)',
        per_programme=false,
    ) }}
),

-- I22
strategic_agreements as (
    select * from agreement_years
    where is_strategic
),

i22 as (
    {{ count_by_dimensions(
        'strategic_agreements', 'I22', 'count(distinct agreement_id)',
        dimensions=['partner_region'], per_programme=false,
    ) }}
),

i22_regions as (
    {{ count_by_dimensions(
        'strategic_agreements', 'I22',
        "count(distinct case when partner_region != 'Unknown' then partner_region end)",
        per_programme=false, measure='regions_covered', unit='regions',
    ) }}
),

-- I23
network_agreements as (
    select
        agreement_years.academic_year,
        agreement_years.agreement_id,
        network_codes.network as partner_network,
    from agreement_years
    inner join network_codes
        on agreement_years.partner_code = network_codes.match_code
),

network_stays as (
    select
        stays.academic_year,
        stays.mobility_group,
        stays.mobility_id,
        network_codes.network as partner_network,
    from stays
    inner join network_codes
        on stays.partner_code = network_codes.match_code
),

all_stays_per_year as (
    select
        academic_year,
        count(distinct mobility_group || ':' || mobility_id) as stays,
    from stays
    group by academic_year
),

network_stays_per_year as (
    select
        academic_year,
        partner_network,
        count(distinct mobility_group || ':' || mobility_id) as network_stays,
    from network_stays
    group by grouping sets ((academic_year), (academic_year, partner_network))
),

i23 as (
    {{ count_by_dimensions(
        'network_agreements', 'I23', 'count(distinct agreement_id)',
        dimensions=['partner_network'], per_programme=false,
    ) }}
),

-- every year with stays, with the stays with members of each network and of any (partner_network
-- NULL), 0 where there are none
network_stay_counts as (
    select
        all_stays_per_year.academic_year,
        network_stays_per_year.partner_network,
        coalesce(network_stays_per_year.network_stays, 0) as network_stays,
        all_stays_per_year.stays,
    from all_stays_per_year
    left join network_stays_per_year
        on all_stays_per_year.academic_year = network_stays_per_year.academic_year
),

i23_mobilities as (
    select
        'I23' as indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        case when partner_network is null then 'measure' else 'partner_network_mobilities' end as dimension,
        coalesce(partner_network, 'mobilities') as dimension_value,
        cast(network_stays as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        'mobilities' as unit,
    from network_stay_counts
),

i23_mobility_shares as (
    select
        'I23' as indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        case when partner_network is null then 'measure' else 'partner_network_mobilities_share' end
            as dimension,
        coalesce(partner_network, 'mobilities_share') as dimension_value,
        cast(100.0 * network_stays / nullif(stays, 0) as double) as value,
        cast(network_stays as double) as numerator,
        cast(stays as double) as denominator,
        'percent' as unit,
    from network_stay_counts
),

-- I24
partner_years_used as (
    select distinct
        partner_code,
        academic_year_start,
    from stays
    where partner_code is not null
),

agreements_used as (
    select
        agreement_years.academic_year,
        agreement_years.agreement_id,
        agreement_years.programme_codes,
        count(partner_years_used.partner_code) > 0 as is_used,
    from agreement_years
    left join partner_years_used
        on agreement_years.partner_code = partner_years_used.partner_code
        and partner_years_used.academic_year_start
        between agreement_years.academic_year_start - ({{ var('portfolio_use_window_years') }} - 1)
        and agreement_years.academic_year_start
    group by agreement_years.academic_year, agreement_years.agreement_id, agreement_years.programme_codes
),

-- each programme's portfolio: the agreements for ALL programmes plus those naming it
-- (named codes unnested to rows: an equality join, not agreements x programmes)
all_programme_agreements as (
    select
        academic_year,
        count(distinct agreement_id) as agreements,
        count(distinct case when is_used then agreement_id end) as used_agreements,
    from agreements_used
    where programme_codes = 'ALL'
    group by academic_year
),

named_programme_agreements as (
    select
        academic_year,
        trim(unnest(string_split(programme_codes, ';'))) as programme_code,
        agreement_id,
        is_used,
    from agreements_used
    where programme_codes != 'ALL'
),

named_programme_counts as (
    select
        academic_year,
        programme_code,
        count(distinct agreement_id) as agreements,
        count(distinct case when is_used then agreement_id end) as used_agreements,
    from named_programme_agreements
    group by academic_year, programme_code
),

programme_portfolios as (
    select
        programme_years.academic_year,
        programme_years.programme_code,
        coalesce(all_programme_agreements.agreements, 0)
        + coalesce(named_programme_counts.agreements, 0) as agreements,
        coalesce(all_programme_agreements.used_agreements, 0)
        + coalesce(named_programme_counts.used_agreements, 0) as used_agreements,
    from programme_years
    left join all_programme_agreements
        on programme_years.academic_year = all_programme_agreements.academic_year
    left join named_programme_counts
        on programme_years.academic_year = named_programme_counts.academic_year
        and programme_years.programme_code = named_programme_counts.programme_code
),

i24_faculty as (
    {{ share_rows(
        'agreements_used', 'I24',
        'count(distinct case when is_used then agreement_id end)',
        'count(distinct agreement_id)',
        per_programme=false,
    ) }}
),

i24_programmes as (
    select
        'I24' as indicator_id,
        academic_year,
        programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        cast(100.0 * used_agreements / agreements as double) as value,
        cast(used_agreements as double) as numerator,
        cast(agreements as double) as denominator,
        'percent' as unit,
    from programme_portfolios
    where agreements > 0
),

final as (
    select * from i17
    union all
    select * from i22
    union all
    select * from i22_regions
    union all
    select * from i23
    union all
    select * from i23_mobilities
    union all
    select * from i23_mobility_shares
    union all
    select * from i24_faculty
    union all
    select * from i24_programmes
)

select * from final
