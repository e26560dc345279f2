-- Cadastral land use per area and year: each municipality, and the region as the sum of its municipalities in the
-- years where every municipality is in the file (no partial sums).
create or replace table core.land_use as
with municipal as (
    select ref_area, time_period, area_total_ha, builtup_ha, green_ha from staging.stg_land_use
),
complete_years as (
    select time_period
    from municipal
    group by time_period
    having count(*) = (select count(*) from meta.profile_areas where level = 'municipality')
)
select * from municipal
union all
select
    (select ref_area from meta.profile_areas where level = 'region') as ref_area,
    municipal.time_period,
    sum(municipal.area_total_ha),
    sum(municipal.builtup_ha),
    sum(municipal.green_ha)
from municipal
join complete_years using (time_period)
group by municipal.time_period
order by ref_area, time_period;
