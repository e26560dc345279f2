-- EU SDG indicator sdg_11_31 (code unverified): settlement area per capita, m² per inhabitant.
-- Proxy (nature 'E'): Statbel cadastral built-up land (buildings, transport infrastructure, gardens; see
-- core.builtup_land) divided by the population on 1 January of the same year, for every year both are known.
-- Eurostat's measure uses the LUCAS survey's settlement area, so the values are not comparable with Eurostat's.
create or replace table core.ind_sdg_11_31 as
select
    'sdg_11_31' as indicator_id,
    'SETTLEMENT_AREA_PER_CAPITA' as series,
    land.ref_area,
    land.time_period,
    land.builtup_km2 * 1e6 / pop.population as obs_value,
    'SQ_M_PER_PERSON' as unit_measure,
    0 as unit_mult,
    case when pop.derived then 'E' else 'A' end as obs_status,
    'E' as nature,
    'published_builtup_share,statbel_area,' || pop.source as source,
    'PROXY: Statbel cadastral built-up land (' || printf('%.2f', land.builtup_km2) || ' km²) / population on 1 January ('
        || pop.population || '); not Eurostat''s LUCAS settlement area'
        || case when pop.derived then '; population derived from a published level and growth' else '' end as comment
from core.builtup_land as land
join core.population as pop using (ref_area, time_period)
where pop.population > 0
order by land.ref_area, land.time_period;
