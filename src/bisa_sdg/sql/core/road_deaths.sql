-- Road deaths within 30 days, by municipality and for the region, per year of accident.
create or replace table core.road_deaths as
with municipal as (
    select areas.ref_area, years.time_period, coalesce(sum(victims.dead_30_days), 0) as deaths_30_days
    from meta.profile_areas as areas
    cross join (select distinct time_period from staging.stg_road_victims) as years
    left join staging.stg_road_victims as victims
        on victims.ref_area = areas.ref_area and victims.time_period = years.time_period
    where areas.level = 'municipality'
    group by areas.ref_area, years.time_period
)
select ref_area, time_period, cast(deaths_30_days as bigint) as deaths_30_days from municipal
union all
select
    (select ref_area from meta.profile_areas where level = 'region'),
    time_period,
    cast(sum(deaths_30_days) as bigint)
from municipal
group by time_period
order by ref_area, time_period;
