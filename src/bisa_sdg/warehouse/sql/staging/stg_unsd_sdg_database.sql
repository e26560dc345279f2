-- UN SDG Global Database values for the country, latest vintage only: a value re-published in a later
-- vintage (WHO re-modelled EN_ATM_PM25, for instance) replaces the earlier one.
create or replace table staging.stg_unsd_sdg_database as
select
    series,
    geo_area,
    location,
    city,
    city_ref_area,
    nature,
    units,
    cast(time_period as integer) as time_period,
    cast(value as double) as value,
    vintage,
    vintage_order,
    source_file
from raw.unsd_sdg_database
qualify row_number() over (
    partition by series, geo_area, location, city, time_period order by vintage_order desc
) = 1
order by series, location, city, time_period;
