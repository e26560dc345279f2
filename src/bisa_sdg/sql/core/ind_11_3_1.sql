-- SDG 11.3.1 Ratio of land consumption rate to population growth rate (UN metadata 2021-03-01), with the
-- secondary indicators as their own series. One value per pair of consecutive years in which both the built-up
-- area and the population are known; time_period = the later year.
--   LCR = (V_now − V_past) / V_past / t        PGR = ln(Pop_now / Pop_past) / t        ratio = LCR / PGR
-- A zero population growth makes the ratio undefined: no ratio row is written for that period.
create or replace table core.ind_11_3_1 as
with known as (
    select land.ref_area, land.time_period, land.builtup_km2, pop.population, pop.derived
    from core.builtup_land as land
    join core.population as pop using (ref_area, time_period)
),
periods as (
    select
        ref_area,
        lag(time_period) over w as year_past,
        time_period as year_now,
        lag(builtup_km2) over w as builtup_past,
        builtup_km2 as builtup_now,
        lag(population) over w as pop_past,
        population as pop_now,
        derived or lag(derived) over w as uses_derived_population
    from known
    window w as (partition by ref_area order by time_period)
),
rates as (
    select
        *,
        year_now - year_past as years,
        (builtup_now - builtup_past) / builtup_past / (year_now - year_past) as lcr,
        ln(pop_now / pop_past) / (year_now - year_past) as pgr
    from periods
    where year_past is not null
),
observations as (
    select ref_area, year_now, year_past, uses_derived_population, 'EN_LND_CNSPOP' as series, 'RO' as unit_measure,
        case when pgr <> 0 then lcr / pgr end as obs_value,
        case when pgr < 0 then 'population shrank over the period, so the ratio changes sign; ' else '' end as caveat
    from rates
    union all
    select ref_area, year_now, year_past, false, 'LAND_CONSUMPTION_RATE', 'PER_YEAR', lcr, '' from rates
    union all
    select ref_area, year_now, year_past, uses_derived_population, 'POPULATION_GROWTH_RATE', 'PER_YEAR', pgr, ''
    from rates
    union all
    select ref_area, year_now, year_past, uses_derived_population, 'BUILTUP_AREA_PER_CAPITA', 'SQ_M_PER_PERSON',
        builtup_now * 1e6 / pop_now, ''
    from rates
    union all
    select ref_area, year_now, year_past, false, 'BUILTUP_AREA_CHANGE', 'PT',
        100.0 * (builtup_now - builtup_past) / builtup_past, ''
    from rates
)
select
    '11.3.1' as indicator_id,
    series,
    ref_area,
    year_now as time_period,
    obs_value,
    unit_measure,
    0 as unit_mult,
    case when uses_derived_population then 'E' else 'A' end as obs_status,
    case when uses_derived_population then 'E' else 'C' end as nature,
    'published_builtup_share,statbel_population,published_population_region' as source,
    caveat
        || 'period ' || year_past || '–' || year_now
        || '; built-up land = Statbel cadastral land-use share × cadastral area of the area (not satellite built-up)'
        || case when uses_derived_population
            then '; a population figure of this period is derived from a published level and growth' else '' end
        as comment
from observations
where obs_value is not null
order by series, ref_area, time_period;
