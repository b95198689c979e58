-- Milestones and the date each was done (NULL while not done), per scope.
-- I12 (integration review) and I21 (teacher-mobility information review) are faculty
-- milestones read from the register's FACULTY rows. I24's milestone (portfolio reviewed)
-- is per programme; for the faculty it is the FACULTY row's date or, failing that, the day
-- the last of the programmes active in the latest year reviewed its portfolio. A date after the
-- run's date (a review planned) is not done.
with

followups as (
    select * from {{ ref('stg_programme_register__followups') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

programme_years as (
    select * from {{ ref('int_programme_years_activated') }}
),

-- a review counts from its date on; a date after the run's date is a review planned, not done
reviews_done as (
    select
        programme_code,
        is_faculty_row,
        case
            when integration_reviewed_on <= {{ run_date() }} then integration_reviewed_on
        end as integration_reviewed_on,
        case
            when teacher_mobility_info_reviewed_on <= {{ run_date() }} then teacher_mobility_info_reviewed_on
        end as teacher_mobility_info_reviewed_on,
        case
            when portfolio_reviewed_on <= {{ run_date() }} then portfolio_reviewed_on
        end as portfolio_reviewed_on,
    from followups
),

faculty_rows as (
    select
        min(integration_reviewed_on) as integration_reviewed_on,
        min(teacher_mobility_info_reviewed_on) as teacher_mobility_info_reviewed_on,
        min(portfolio_reviewed_on) as portfolio_reviewed_on,
        list_sort(list_distinct(list(integration_reviewed_on))) as integration_reviewed_dates,
        list_sort(list_distinct(list(teacher_mobility_info_reviewed_on))) as teacher_info_reviewed_dates,
        list_sort(list_distinct(list(portfolio_reviewed_on))) as portfolio_reviewed_dates,
    from reviews_done
    where is_faculty_row
),

programme_reviews as (
    select
        programmes.programme_code,
        min(reviews_done.portfolio_reviewed_on) as portfolio_reviewed_on,
        list_sort(list_distinct(list(reviews_done.portfolio_reviewed_on))) as portfolio_reviewed_dates,
    from programmes
    left join reviews_done
        on programmes.programme_code = reviews_done.programme_code
    group by programmes.programme_code
),

current_programmes as (
    select programme_code
    from programme_years
    qualify academic_year_start = max(academic_year_start) over ()
),

all_programmes_reviewed as (
    select
        case
            when count(*) > 0 and count(programme_reviews.portfolio_reviewed_on) = count(*)
                then max(programme_reviews.portfolio_reviewed_on)
        end as portfolio_reviewed_on,
    from current_programmes
    inner join programme_reviews
        on current_programmes.programme_code = programme_reviews.programme_code
),

milestones as (
    select
        'I12' as indicator_id,
        cast(null as varchar) as programme_code,
        (select faculty_rows.integration_reviewed_on from faculty_rows) as done_on,
        (select faculty_rows.integration_reviewed_dates from faculty_rows) as done_dates,
        false as is_current_programme,
    union all
    select
        'I21',
        null,
        (select faculty_rows.teacher_mobility_info_reviewed_on from faculty_rows),
        (select faculty_rows.teacher_info_reviewed_dates from faculty_rows),
        false,
    union all
    select
        'I24',
        null,
        coalesce(
            (select faculty_rows.portfolio_reviewed_on from faculty_rows),
            (select all_programmes_reviewed.portfolio_reviewed_on from all_programmes_reviewed)
        ),
        (select faculty_rows.portfolio_reviewed_dates from faculty_rows),
        false,
    union all
    select
        'I24',
        programme_reviews.programme_code,
        programme_reviews.portfolio_reviewed_on,
        programme_reviews.portfolio_reviewed_dates,
        current_programmes.programme_code is not null,
    from programme_reviews
    left join current_programmes
        on programme_reviews.programme_code = current_programmes.programme_code
),

final as (
    select
        indicator_id,
        programme_code,
        done_on,
        cast(coalesce(done_dates, []) as date[]) as done_dates,
        is_current_programme,
    from milestones
)

select * from final
