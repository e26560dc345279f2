-- Population on 1 January for every area and year the sources give. The region's figure is the sum of its
-- municipalities where every municipality is known (validation checked it equals the published total);
-- other years come from the published regional series. flag keeps a file's mark from the catalog: a municipal
-- UNCERTAIN (which municipality got which figure) does not touch the region's sum; a CONFLICT on the total does.
create or replace table core.population as
with municipal as (
    select ref_area, time_period, population, 'statbel_population' as source, false as derived, flag
    from staging.stg_population_municipal
),
complete_years as (
    select time_period
    from municipal
    group by time_period
    having count(*) = (select count(*) from meta.profile_areas where level = 'municipality')
),
region_from_municipal as (
    select
        (select ref_area from meta.profile_areas where level = 'region') as ref_area,
        municipal.time_period,
        sum(municipal.population) as population,
        'statbel_population' as source,
        false as derived,
        case when bool_or(municipal.flag = 'CONFLICT') then 'CONFLICT' end as flag
    from municipal
    join complete_years using (time_period)
    group by municipal.time_period
),
region_published as (
    select ref_area, time_period, population, 'published_population_region' as source, derived,
        null::varchar as flag
    from staging.stg_population_region_published
    where time_period not in (select time_period from region_from_municipal)
)
select * from municipal
union all
select * from region_from_municipal
union all
select * from region_published
order by ref_area, time_period;
