-- GREEN_LAND_SHARE (own code, a PROXY filed under 11.7.1): the share of the area's land that the cadastre classes as
-- gardens and parks (1DI), woods (1G) or recreational grounds (1J), per area and year of Statbel's cadastral land use
-- (core.land_use, 1983–2015). Not the UN indicator: cadastral classes include private gardens and woods closed to
-- the public, and there is no access component; a series of its own so the trend of green land can be read.
--   GREEN_LAND_SHARE = 100 × (1DI + 1G + 1J) / total area
create or replace table core.ind_11_7_1_green_land as
select
    '11.7.1' as indicator_id,
    'GREEN_LAND_SHARE' as series,
    ref_area,
    time_period,
    100.0 * green_ha / area_total_ha as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'E' as nature,
    'statbel_land_use' as source,
    'PROXY: Statbel cadastral land use ' || time_period || ', gardens and parks + woods + recreational grounds ('
        || printf('%.1f', green_ha) || ' ha) / total area (' || printf('%.1f', area_total_ha)
        || ' ha); private gardens included, no access component: not the UN open-space indicator' as comment
from core.land_use
where area_total_ha > 0
order by ref_area, time_period;
