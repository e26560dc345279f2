-- SDG 11.6.2 Annual mean levels of fine particulate matter in cities (population weighted). Two proxies, both
-- nature 'E', because no PM2.5 or PM10 station means exist in the project's material:
--   EN_ATM_PM25 (UN series): IRCEL-CELINE's published RIO 4×4 km SPATIAL mean over the region — an
--     interpolated area average, not weighted by population.
--   EN_ATM_NO2 (own code, same as config/targets.csv): NO2 from the validated station annual means.
--     Each non-traffic station (EEA type background or industrial) stands for the residents of the municipality
--     it is in; a municipality's value is the mean of its stations; the region's value is
--       Σ_m C_m · P_m / Σ_m P_m over the municipalities m with at least one station,
--     P_m = municipal population on 1 January of the complete population year nearest to the measurement year
--     (ties: the earlier year). Municipalities without a station are left out (not given a neighbour's value),
--     and the region value is written only when the covered municipalities hold ≥ 25 % of the residents.
--     Traffic stations are left out: kerbside hot spots represent few residents (EU exposure indicators use
--     background stations for the same reason).
--   EN_ATM_NO2_MAX (own code): the highest NO2 annual mean of any station in the region, traffic stations included,
--     because EU limit values (Directive (EU) 2024/2881, like 2008/50/EC) apply at every sampling point: compliance is
--     judged on the worst station, not on a mean. The means are published as whole µg/m³, so obs_lower/obs_upper
--     are ±0.5.
create or replace table core.ind_11_6_2 as
with settings as (
    select 0.25 as min_population_share
),
station_means as (
    select no2.station_code, no2.time_period, no2.no2_ugm3, stations.ref_area
    from staging.stg_no2_station_means as no2
    join staging.stg_aq_stations as stations using (station_code)
    where no2.no2_ugm3 is not null
      and stations.ref_area is not null
      and stations.station_type <> 'traffic'
),
worst_station as (
    select
        no2.time_period,
        max(no2.no2_ugm3) as no2,
        arg_max(no2.station_code || ' (' || stations.station_type || ')', no2.no2_ugm3) as station,
        count(*) as stations
    from staging.stg_no2_station_means as no2
    join staging.stg_aq_stations as stations using (station_code)
    join meta.profile_areas as areas on areas.ref_area = stations.ref_area
    where no2.no2_ugm3 is not null
    group by no2.time_period
),
municipal as (
    select
        ref_area,
        time_period,
        avg(no2_ugm3) as no2,
        count(*) as stations,
        string_agg(station_code, ' ' order by station_code) as station_list
    from station_means
    group by ref_area, time_period
),
complete_population_years as (
    select pop.time_period as pop_year, sum(pop.population) as region_population
    from core.population as pop
    join meta.profile_areas as areas on areas.ref_area = pop.ref_area and areas.level = 'municipality'
    group by pop.time_period
    having count(*) = (select count(*) from meta.profile_areas where level = 'municipality')
),
weight_years as (
    select
        years.time_period,
        arg_min(complete.pop_year, abs(complete.pop_year - years.time_period) * 10000 + complete.pop_year) as pop_year
    from (select distinct time_period from municipal) as years
    cross join complete_population_years as complete
    group by years.time_period
),
weighted as (
    select municipal.*, weight_years.pop_year, pop.population, complete.region_population
    from municipal
    join weight_years using (time_period)
    join core.population as pop on pop.ref_area = municipal.ref_area and pop.time_period = weight_years.pop_year
    join complete_population_years as complete on complete.pop_year = weight_years.pop_year
),
region_values as (
    select
        time_period,
        any_value(pop_year) as pop_year,
        sum(no2 * population) / sum(population) as no2,
        sum(population) / any_value(region_population) as covered_share,
        count(*) as municipalities,
        sum(stations) as stations,
        string_agg(station_list, ' ' order by ref_area) as station_list
    from weighted
    group by time_period
    having sum(population) > 0
),
pm25_published as (
    select figures.ref_area, figures.time_period, figures.value
    from staging.stg_published_figures as figures
    join meta.profile_areas as areas on areas.ref_area = figures.ref_area
    where figures.topic = 'air_pm25_rio_spatial_mean'
)
select
    '11.6.2' as indicator_id,
    'EN_ATM_NO2' as series,
    ref_area,
    time_period,
    no2 as obs_value,
    null::double as obs_lower,
    null::double as obs_upper,
    'GPERM3' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'E' as nature,
    'irceline_station_annual_means,eea_aq_stations' as source,
    'PROXY (NO2, own code; the UN series is PM2.5): mean of the validated NO2 annual means of ' || stations
        || ' non-traffic station(s) in the municipality (' || station_list
        || '), standing for all its residents; not population-weighted within the municipality' as comment
from municipal
union all
select
    '11.6.2',
    'EN_ATM_NO2',
    (select ref_area from meta.profile_areas where level = 'region'),
    region_values.time_period,
    region_values.no2,
    null,
    null,
    'GPERM3',
    0,
    'A',
    'E',
    'irceline_station_annual_means,eea_aq_stations,statbel_population',
    'PROXY (NO2, own code; the UN series is PM2.5): population-weighted mean of the municipal NO2 means of '
        || region_values.stations || ' non-traffic station(s) (' || region_values.station_list || ') in '
        || region_values.municipalities || ' municipalities holding ' || printf('%.1f', 100 * region_values.covered_share)
        || ' % of the residents; weights = municipal population on 1 January ' || region_values.pop_year
        || '; municipalities without a station are left out; traffic stations are left out'
from region_values, settings
where region_values.covered_share >= settings.min_population_share
union all
select
    '11.6.2',
    'EN_ATM_PM25',
    ref_area,
    time_period,
    value,
    null,
    null,
    'GPERM3',
    0,
    'A',
    'E',
    'published_figures_sdg11',
    'PROXY: IRCEL-CELINE RIO 4×4 km interpolation, SPATIAL annual mean over the area as published; '
        || 'not population-weighted (the UN indicator weights by population)'
from pm25_published
union all
select
    '11.6.2',
    'EN_ATM_NO2_MAX',
    (select ref_area from meta.profile_areas where level = 'region'),
    time_period,
    no2,
    no2 - 0.5,
    no2 + 0.5,
    'GPERM3',
    0,
    'A',
    'E',
    'irceline_station_annual_means,eea_aq_stations',
    'PROXY (NO2, own code; the UN series is PM2.5): highest NO2 annual mean of the ' || stations
        || ' station(s) of the region with a validated mean: ' || station
        || '; the statistic on which EU limit values are judged (they apply at every sampling point)'
from worst_station
order by series, ref_area, time_period;
