-- Cadastral land use (ha) of the region's municipalities per year, in the groups the models use (Statbel
-- TF_EAE_LAND_OCCUPTN; the reader groups the rubrics, see bisa_sdg.sources.statbel_land_use).
--   built-up (cadastral proxy) = built parcels (2TOT) + cadastral roads (1L) + the non-cadastral public domain (5TOT,
--                                mostly streets, squares and railways)
--   green and recreational     = gardens and parks (1DI) + woods (1G) + recreational grounds (1J)
create or replace table staging.stg_land_use as
select
    land.refnis as ref_area,
    cast(land.time_period as integer) as time_period,
    land.area_total_ha,
    land.built_parcels_ha + land.cadastral_roads_ha + land.non_cadastral_ha as builtup_ha,
    land.gardens_parks_ha + land.woods_ha + land.recreational_ha as green_ha
from raw.statbel_land_use as land
join meta.profile_areas as areas on areas.ref_area = land.refnis and areas.level = 'municipality'
order by ref_area, time_period;
