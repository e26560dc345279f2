-- The region's municipalities with their names and cadastral area (Statbel).
create or replace table staging.stg_areas as
select
    area.refnis as ref_area,
    area.name_fr,
    area.name_nl,
    area.area_cadastral_km2,
    area.area_gis_km2
from raw.statbel_area as area
join meta.profile_areas as profile
    on profile.ref_area = area.refnis and profile.level = 'municipality'
order by ref_area;
