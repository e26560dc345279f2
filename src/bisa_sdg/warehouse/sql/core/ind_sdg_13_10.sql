-- GHG_EMISSIONS (own code, filed under the EU SDG indicator sdg_13_10): the region's direct (territorial)
-- greenhouse-gas emissions as an index, 2005 = 100, from the change against 2005 that Bruxelles Environnement's
-- inventory publishes (history compilation, series ghg_direct_change_vs_2005): index = 100 + change in %.
-- No absolute emissions (kt CO2-eq) were found for any year, so no other base can be built; 2005 is the base of the
-- published change, so its value 100 holds by construction. The change is published as a whole percent, so
-- obs_lower/obs_upper are ±0.5 (±0.5 × 10^-decimals in general).
create or replace table core.ind_sdg_13_10 as
with changes as (
    select ref_area, time_period, value, value_decimals, source_url, flags
    from staging.stg_history_figures
    where series = 'ghg_direct_change_vs_2005'
),
base as (
    select distinct ref_area, 2005 as time_period from changes
)
select
    'sdg_13_10' as indicator_id,
    'GHG_EMISSIONS' as series,
    ref_area,
    time_period,
    100.0 as obs_value,
    null::double as obs_lower,
    null::double as obs_upper,
    'INDEX' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'published_history' as source,
    'index of direct GHG emissions, 2005 = 100: the base year of the published change, 100 by construction' as comment
from base
union all
select
    'sdg_13_10',
    'GHG_EMISSIONS',
    ref_area,
    time_period,
    100.0 + value,
    100.0 + value - 0.5 * pow(10, -value_decimals),
    100.0 + value + 0.5 * pow(10, -value_decimals),
    'INDEX',
    0,
    'A',
    'C',
    'published_history',
    'index of direct GHG emissions, 2005 = 100: 100 + the published change against 2005 (' || value
        || ' %, Bruxelles Environnement inventory, quoted at ' || source_url || ')'
        || case when flags is not null then '; marked ' || flags else '' end
from changes
order by ref_area, time_period;
