-- Built-up share of land (%), Statbel cadastral land use as published by the Federal Planning Bureau.
create or replace table staging.stg_builtup_share as
select
    ref_area,
    cast(time_period as integer) as time_period,
    builtup_share_pct,
    source_url
from raw.published_builtup_share
where measure = 'builtup_share_of_land'
order by ref_area, time_period;
