-- SDG 11.3.1 Ratio of land consumption rate to population growth rate (UN metadata 2021-03-01), with the
-- secondary indicators as their own series. One value per pair of consecutive years in which both the built-up
-- area and the population are known; time_period = the later year.
--   LCR = (V_now − V_past) / V_past / t        PGR = ln(Pop_now / Pop_past) / t        ratio = LCR / PGR
-- A zero population growth makes the ratio undefined: no ratio row is written for that period.
-- Built-up land V comes from two bases that are never mixed within a period:
--   'cadastre': Statbel cadastral land use 1983–2015 per municipality (core.land_use: built parcels + cadastral
--               roads + the non-cadastral public domain), for the region and each municipality;
--   'fpb':      the Federal Planning Bureau's published built-up share of the region × its cadastral area
--               (core.builtup_land), used only for periods after the last cadastral year. Its first such period
--               (2015–2020) straddles Statbel's 2018/19 revision of the land-use statistics: it is the break in the
--               series (obs_status 'B', SDMX "time series break") and its comment says so.
-- obs_lower/obs_upper bound a value within the published rounding of its inputs (the FPB share is published to
-- one decimal: ±0.05 points); NULL where the inputs are exact (cadastral hectares, population counts).
create or replace table core.ind_11_3_1 as
with cadastre as (
    select land.ref_area, land.time_period, 'cadastre' as basis, land.builtup_ha / 100.0 as builtup_km2,
        land.builtup_ha / 100.0 as builtup_low, land.builtup_ha / 100.0 as builtup_high, false as rounded
    from core.land_use as land
),
fpb as (
    select built.ref_area, built.time_period, 'fpb' as basis, built.builtup_km2,
        (built.builtup_share_pct - 0.05) / 100.0 * built.area_km2 as builtup_low,
        (built.builtup_share_pct + 0.05) / 100.0 * built.area_km2 as builtup_high,
        true as rounded
    from core.builtup_land as built
),
known as (
    select land.*, pop.population, pop.derived, pop.source as population_source, pop.flag as population_flag
    from (select * from cadastre union all select * from fpb) as land
    join core.population as pop using (ref_area, time_period)
),
periods as (
    select
        ref_area,
        basis,
        lag(time_period) over w as year_past,
        time_period as year_now,
        lag(builtup_km2) over w as builtup_past,
        builtup_km2 as builtup_now,
        lag(builtup_low) over w as past_low,
        lag(builtup_high) over w as past_high,
        builtup_low as now_low,
        builtup_high as now_high,
        rounded or lag(rounded) over w as rounded,
        lag(population) over w as pop_past,
        population as pop_now,
        derived or lag(derived) over w as uses_derived_population,
        concat_ws(', ', lag(population_flag) over w, population_flag) as population_flags,
        population_source
    from known
    window w as (partition by ref_area, basis order by time_period)
),
last_cadastre as (
    select ref_area, max(time_period) as last_year from cadastre group by ref_area
),
kept as (
    -- cadastral periods, then FPB periods only after the last cadastral year of the area
    select periods.*
    from periods
    left join last_cadastre using (ref_area)
    where periods.year_past is not null
      and (periods.basis = 'cadastre' or periods.year_now > coalesce(last_cadastre.last_year, 0))
),
rates as (
    select
        *,
        year_now - year_past as years,
        (builtup_now - builtup_past) / builtup_past / (year_now - year_past) as lcr,
        (now_low - past_high) / past_high / (year_now - year_past) as lcr_low,
        (now_high - past_low) / past_low / (year_now - year_past) as lcr_high,
        ln(pop_now / pop_past) / (year_now - year_past) as pgr,
        -- the first period of a basis after periods of another basis starts a new segment of the series
        coalesce(basis <> lag(basis) over (partition by ref_area order by year_now), false) as break
    from kept
),
observations as (
    select ref_area, year_now, year_past, basis, break, rounded, uses_derived_population, population_flags,
        population_source, 'EN_LND_CNSPOP' as series, 'RO' as unit_measure,
        case when pgr <> 0 then lcr / pgr end as obs_value,
        case when pgr <> 0 and rounded then least(lcr_low / pgr, lcr_high / pgr) end as obs_lower,
        case when pgr <> 0 and rounded then greatest(lcr_low / pgr, lcr_high / pgr) end as obs_upper,
        case when pgr < 0 then 'population shrank over the period, so the ratio changes sign; ' else '' end as caveat
    from rates
    union all
    select ref_area, year_now, year_past, basis, break, rounded, false, '', '', 'LAND_CONSUMPTION_RATE', 'PER_YEAR',
        lcr, case when rounded then lcr_low end, case when rounded then lcr_high end, ''
    from rates
    union all
    select ref_area, year_now, year_past, basis, false, false, uses_derived_population, population_flags,
        population_source, 'POPULATION_GROWTH_RATE', 'PER_YEAR', pgr, null, null, ''
    from rates
    union all
    select ref_area, year_now, year_past, basis, break, rounded, uses_derived_population, population_flags,
        population_source, 'BUILTUP_AREA_PER_CAPITA', 'SQ_M_PER_PERSON', builtup_now * 1e6 / pop_now,
        case when rounded then now_low * 1e6 / pop_now end, case when rounded then now_high * 1e6 / pop_now end, ''
    from rates
    union all
    select ref_area, year_now, year_past, basis, break, rounded, false, '', '', 'BUILTUP_AREA_CHANGE', 'PT',
        100.0 * (builtup_now - builtup_past) / builtup_past,
        case when rounded then 100.0 * (now_low - past_high) / past_high end,
        case when rounded then 100.0 * (now_high - past_low) / past_low end, ''
    from rates
)
select
    '11.3.1' as indicator_id,
    series,
    ref_area,
    year_now as time_period,
    obs_value,
    obs_lower,
    obs_upper,
    unit_measure,
    0 as unit_mult,
    case when break then 'B' when uses_derived_population then 'E' else 'A' end as obs_status,
    case when uses_derived_population or basis = 'fpb' then 'E' else 'C' end as nature,
    concat_ws(',',
        case when basis = 'cadastre' then 'statbel_land_use' else 'published_builtup_share' end,
        case when series in ('LAND_CONSUMPTION_RATE', 'BUILTUP_AREA_CHANGE') then null else 'statbel_population' end,
        case when population_source = 'published_population_region' then population_source end
    ) as source,
    caveat
        || 'period ' || year_past || '–' || year_now
        || case when basis = 'cadastre'
            then '; built-up land = Statbel cadastral land use: built parcels + cadastral roads + the non-cadastral public '
                || 'domain (mostly streets), not satellite built-up'
            else '; built-up land = the Federal Planning Bureau''s published built-up share (buildings, transport '
                || 'infrastructure, gardens; one decimal) × the cadastral area, not satellite built-up' end
        || case when break
            then '; SERIES BREAK: first period on the FPB share after the cadastral series (1983–2015), and it straddles '
                || 'Statbel''s 2018/19 revision of the land-use statistics (total area 161.38 → 162.42 km²): not '
                || 'comparable with the earlier periods'
            else '' end
        || case when uses_derived_population
            then '; a population figure of this period is derived from a published level and growth' else '' end
        || case when population_flags <> '' then '; population figure marked ' || population_flags || ' in the catalog'
            else '' end
        as comment
from observations
where obs_value is not null
order by series, ref_area, time_period;
