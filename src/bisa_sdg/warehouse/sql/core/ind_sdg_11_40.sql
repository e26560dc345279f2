-- EU SDG indicator sdg_11_40: people killed in road accidents (died within 30 days) per 100 000 inhabitants,
-- for every area and year with a count (core.road_deaths) and the population on 1 January of the same year.
-- A count worked out from Statbel's stated changes (DERIVED) makes the rate an estimate (obs_status 'E'); every
-- mark of the count or of the population (UNCERTAIN, CONFLICT) is repeated in the comment.
create or replace table core.ind_sdg_11_40 as
select
    'sdg_11_40' as indicator_id,
    'ROAD_DEATHS_RATE' as series,
    deaths.ref_area,
    deaths.time_period,
    100000.0 * deaths.deaths_30_days / pop.population as obs_value,
    'PER_100000_POP' as unit_measure,
    0 as unit_mult,
    case when deaths.flags like '%DERIVED%' or pop.derived then 'E' else 'A' end as obs_status,
    'C' as nature,
    concat_ws(',', deaths.source, pop.source) as source,
    deaths.deaths_30_days || ' deaths within 30 days / population on 1 January ' || deaths.time_period
        || ' (' || pop.population || ')'
        || case when deaths.source = 'published_history'
            then '; count as published by Statbel, quoted at ' || deaths.source_url else '' end
        || case when deaths.flags is not null then '; count marked ' || deaths.flags else '' end
        || case when pop.flag is not null then '; population marked ' || pop.flag else '' end
        || case when pop.derived then '; population derived from a published level and growth' else '' end
        || '; small counts: rates move a lot from year to year' as comment
from core.road_deaths as deaths
join core.population as pop using (ref_area, time_period)
where pop.population > 0
order by deaths.ref_area, deaths.time_period;
