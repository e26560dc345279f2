-- Road deaths within 30 days (Statbel's definition), by area and year of accident.
--   * From Statbel's victims file: every municipality (0 where none died) and the region as their sum.
--   * For the region in the other years: the figures Statbel published as quoted in the history compilation
--     (series road_deaths_30d, and road_deaths_30d_DERIVED for years worked out from Statbel's stated changes,
--     flagged DERIVED). The Vias barometer (provisional, killed on the spot) is another definition and never used.
create or replace table core.road_deaths as
with municipal as (
    select areas.ref_area, years.time_period, coalesce(sum(victims.dead_30_days), 0) as deaths_30_days
    from meta.profile_areas as areas
    cross join (select distinct time_period from staging.stg_road_victims) as years
    left join staging.stg_road_victims as victims
        on victims.ref_area = areas.ref_area and victims.time_period = years.time_period
    where areas.level = 'municipality'
    group by areas.ref_area, years.time_period
),
from_victims as (
    select ref_area, time_period, deaths_30_days, 'statbel_road_victims' as source, null::varchar as flags,
        null::varchar as source_url
    from municipal
    union all
    select
        (select ref_area from meta.profile_areas where level = 'region'),
        time_period,
        sum(deaths_30_days),
        'statbel_road_victims',
        null,
        null
    from municipal
    group by time_period
),
published as (
    select history.ref_area, history.time_period, history.value as deaths_30_days, 'published_history' as source,
        history.flags, history.source_url
    from staging.stg_history_figures as history
    where history.series in ('road_deaths_30d', 'road_deaths_30d_DERIVED')
      and not exists (
          select 1 from from_victims
          where from_victims.ref_area = history.ref_area and from_victims.time_period = history.time_period
      )
)
select ref_area, time_period, cast(deaths_30_days as bigint) as deaths_30_days, source, flags, source_url
from from_victims
union all
select ref_area, time_period, cast(deaths_30_days as bigint), source, flags, source_url
from published
order by ref_area, time_period;
