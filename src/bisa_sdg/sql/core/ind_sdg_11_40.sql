-- EU SDG indicator sdg_11_40: people killed in road accidents (died within 30 days) per 100 000 inhabitants,
-- for every area of the profile, from Statbel victims and the population on 1 January of the same year.
create or replace table core.ind_sdg_11_40 as
select
    'sdg_11_40' as indicator_id,
    'ROAD_DEATHS_RATE' as series,
    deaths.ref_area,
    deaths.time_period,
    100000.0 * deaths.deaths_30_days / pop.population as obs_value,
    'PER_100000_POP' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'statbel_road_victims,statbel_population' as source,
    deaths.deaths_30_days || ' deaths within 30 days / population on 1 January ' || deaths.time_period
        || ' (' || pop.population || '); small counts: municipal rates move a lot from year to year' as comment
from core.road_deaths as deaths
join core.population as pop using (ref_area, time_period)
where pop.population > 0
order by deaths.ref_area, deaths.time_period;
