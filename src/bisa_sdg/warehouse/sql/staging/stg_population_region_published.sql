-- The region's population on 1 January as published (some years derived from a level and a growth figure).
create or replace table staging.stg_population_region_published as
select
    ref_area,
    cast(time_period as integer) as time_period,
    cast(population as bigint) as population,
    derived,
    source_url,
    note
from raw.published_population_region
order by ref_area, time_period;
