-- Municipal population on 1 January for the region's municipalities (Statbel).
create or replace table staging.stg_population_municipal as
with source as (
    select refnis, time_period, population, flag from raw.statbel_population
),
region_municipalities as (
    select ref_area from meta.profile_areas where level = 'municipality'
)
select
    source.refnis as ref_area,
    cast(source.time_period as integer) as time_period,
    cast(source.population as bigint) as population,
    nullif(source.flag, '') as flag
from source
join region_municipalities on region_municipalities.ref_area = source.refnis
order by ref_area, time_period;
