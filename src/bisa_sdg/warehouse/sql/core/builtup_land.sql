-- Built-up land (km²) = built-up share of land × the area's cadastral area (Statbel land use counts cadastral land).
create or replace table core.builtup_land as
select
    share.ref_area,
    share.time_period,
    share.builtup_share_pct,
    areas.area_km2,
    share.builtup_share_pct / 100.0 * areas.area_km2 as builtup_km2
from staging.stg_builtup_share as share
join core.areas as areas on areas.ref_area = share.ref_area
order by share.ref_area, share.time_period;
