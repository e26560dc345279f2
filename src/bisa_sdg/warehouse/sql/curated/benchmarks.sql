-- The region beside two external yardsticks, one row per benchmark indicator of config/benchmark_map.csv:
--   sdsn_sdr2025         SDSN Sustainable Development Report 2025: the region's latest value placed in the SDR
--                        dashboard bands (green at or better than the green threshold, red worse than the red one,
--                        yellow/orange split at their midpoint — UNVERIFIED) and scored 100·(x − LB)/(Opt − LB)
--                        clipped to [0, 100]; Belgium's published score beside it, with its band (the same rule on
--                        the score scale, which is linear in the value) and the value the score implies when it is
--                        not clipped.
--   sdsn_eu_cities_2019  SDG Index for European Cities 2019: the 45 cities' distribution (count, min, median, max),
--                        the published value, colour and rank of the city that stands for the region, and the
--                        region's own latest value where the pipeline computes a comparable series.
-- Direction for the SDR comes from the codebook itself (optimum below the lower bound = lower is better); for the
-- city index from the map's "better". Thresholds and distributions are read from the raw tables, never written here.
create or replace table curated.benchmarks as
with region as (
    select ref_area from meta.profile_areas where level = 'region'
),
region_latest as (
    -- the region's latest total (no breakdown) of each series
    select
        obs.indicator_id,
        obs.series,
        obs.ref_area,
        obs.unit_measure,
        obs.time_period,
        obs.obs_value,
        obs.nature,
        obs.synthetic
    from curated.indicator_values as obs
    join region using (ref_area)
    where obs.sex = '_T' and obs.age = '_T' and obs.urbanisation = '_T'
      and obs.income_wealth_quantile = '_T' and obs.education_lev = '_T' and obs.occupation = '_T'
      and obs.cust_breakdown = '_T' and obs.composite_breakdown = '_T'
      and obs.disability_status = '_T' and obs.activity = '_T' and obs.product = '_T'
      and obs.obs_value is not null
    qualify row_number() over (partition by obs.indicator_id, obs.series order by obs.time_period desc) = 1
),
mapped as (
    select
        map.*,
        latest.ref_area as region_ref_area,
        latest.time_period as region_year,
        latest.obs_value as region_value,
        latest.unit_measure as region_unit,
        latest.obs_value * map.unit_factor as region_value_in_benchmark_unit,
        latest.nature as region_nature,
        latest.synthetic as region_synthetic
    from meta.benchmark_map as map
    left join region_latest as latest
        on latest.series = map.series and latest.indicator_id = map.indicator_id
),
sdr_area as (
    -- the SDR file holds one country: its name, its overall rank and its indicator scores
    select
        max(value_raw) filter (where field = 'Country') as country,
        max(try_cast(value_raw as integer)) filter (where field = 'SDG_Index_Rank_2025') as overall_rank,
        max(try_cast(value_raw as double)) filter (where field = 'SDG_Index_Score_2025') as overall_score
    from raw.sdsn_sdr2025_belgium
),
sdr as (
    select
        mapped.*,
        codebook.indicator as benchmark_label,
        codebook.reference_year as benchmark_year,
        codebook.optimum,
        codebook.green_threshold,
        codebook.red_threshold,
        codebook.lower_bound,
        codebook.optimum < codebook.lower_bound as lower_is_better,
        sdr_area.overall_rank as area_overall_rank,
        sdr_area.overall_score as area_overall_score,
        scores.score as area_score,
        -- green and red thresholds on the 0-100 score scale (where the area's band is read)
        100 * (codebook.green_threshold - codebook.lower_bound) / (codebook.optimum - codebook.lower_bound) as green_score,
        100 * (codebook.red_threshold - codebook.lower_bound) / (codebook.optimum - codebook.lower_bound) as red_score
    from mapped
    join raw.sdsn_sdr2025_thresholds as codebook on codebook.ind_code = mapped.benchmark_indicator
    cross join sdr_area
    left join raw.sdsn_sdr2025_belgium as scores
        on scores.ind_code = mapped.benchmark_indicator and sdr_area.country = mapped.benchmark_area
    where mapped.benchmark = 'sdsn_sdr2025'
),
sdr_rows as (
    select
        sdr.*,
        case
            when region_value_in_benchmark_unit is null then null
            when lower_is_better then case
                when region_value_in_benchmark_unit <= green_threshold then 'green'
                when region_value_in_benchmark_unit > red_threshold then 'red'
                when region_value_in_benchmark_unit <= (green_threshold + red_threshold) / 2 then 'yellow'
                else 'orange' end
            else case
                when region_value_in_benchmark_unit >= green_threshold then 'green'
                when region_value_in_benchmark_unit < red_threshold then 'red'
                when region_value_in_benchmark_unit >= (green_threshold + red_threshold) / 2 then 'yellow'
                else 'orange' end
        end as region_band,
        -- greatest/least skip NULLs, so the clip is applied only to a value that exists
        case when region_value_in_benchmark_unit is not null then greatest(0, least(100,
            100 * (region_value_in_benchmark_unit - lower_bound) / (optimum - lower_bound))) end as region_score,
        case
            when area_score is null then null
            when area_score >= green_score then 'green'
            when area_score < red_score then 'red'
            when area_score >= (green_score + red_score) / 2 then 'yellow'
            else 'orange'
        end as area_colour,
        case when area_score > 0 and area_score < 100
            then lower_bound + area_score / 100 * (optimum - lower_bound) end as area_value
    from sdr
),
cities as (
    select * from raw.sdsn_eu_cities_2019
),
city_map as (
    select * from mapped where benchmark = 'sdsn_eu_cities_2019'
),
city_stats as (
    select
        measure,
        any_value(measure_label) as measure_label,
        count(value) as peers_with_data,
        min(value) as peers_min,
        median(value) as peers_median,
        max(value) as peers_max
    from cities
    group by measure
),
city_ranks as (
    -- rank among the cities with a value, 1 = best in the direction the map gives
    select
        cities.measure,
        cities.city,
        rank() over (
            partition by cities.measure
            order by case when city_map.better = 'lower' then cities.value else -cities.value end
        ) as measure_rank
    from cities
    join city_map on city_map.benchmark_indicator = cities.measure
    where cities.value is not null
),
city_rows as (
    select
        city_map.*,
        city_stats.measure_label as benchmark_label,
        city_stats.peers_with_data,
        city_stats.peers_min,
        city_stats.peers_median,
        city_stats.peers_max,
        area.value as area_value,
        area.dashboard as area_colour,
        area.city_rank as area_overall_rank,
        area.city_score as area_overall_score,
        city_ranks.measure_rank as area_rank,
        (select count(distinct city) from cities) as peers_ranked
    from city_map
    join city_stats on city_stats.measure = city_map.benchmark_indicator
    left join cities as area on area.measure = city_map.benchmark_indicator and area.city = city_map.benchmark_area
    left join city_ranks on city_ranks.measure = city_map.benchmark_indicator and city_ranks.city = city_map.benchmark_area
),
unified as (
    select
        benchmark, benchmark_indicator, benchmark_label, benchmark_year, better, benchmark_area,
        indicator_id, series, comparability,
        region_ref_area, region_year, region_value, region_unit, unit_factor, region_value_in_benchmark_unit,
        region_nature, region_synthetic,
        optimum, green_threshold, red_threshold, lower_bound, region_band, region_score,
        area_value, area_score, area_colour, null::bigint as area_rank,
        area_overall_rank, area_overall_score, null::bigint as peers_ranked,
        null::bigint as peers_with_data, null::double as peers_min, null::double as peers_median,
        null::double as peers_max,
        note,
        'sdsn_sdr2025_thresholds,sdsn_sdr2025_belgium' as source
    from sdr_rows
    union all by name
    select
        benchmark, benchmark_indicator, benchmark_label, null::bigint as benchmark_year, better, benchmark_area,
        indicator_id, series, comparability,
        region_ref_area, region_year, region_value, region_unit, unit_factor, region_value_in_benchmark_unit,
        region_nature, region_synthetic,
        null::double as optimum, null::double as green_threshold, null::double as red_threshold,
        null::double as lower_bound, null::varchar as region_band, null::double as region_score,
        area_value, null::double as area_score, area_colour, area_rank,
        area_overall_rank, area_overall_score, peers_ranked,
        peers_with_data, peers_min, peers_median, peers_max,
        note,
        'sdsn_eu_cities_2019' as source
    from city_rows
)
select
    unified.benchmark,
    unified.benchmark_indicator,
    unified.benchmark_label,
    unified.benchmark_year,
    unified.better,
    unified.indicator_id,
    unified.series,
    unified.comparability,
    unified.region_ref_area,
    unified.region_year,
    unified.region_value,
    unified.region_unit,
    unified.unit_factor,
    unified.region_value_in_benchmark_unit,
    unified.region_nature,
    unified.region_synthetic,
    unified.region_band,
    unified.region_score,
    unified.optimum,
    unified.green_threshold,
    unified.red_threshold,
    unified.lower_bound,
    unified.benchmark_area,
    unified.area_value,
    unified.area_score,
    unified.area_colour,
    unified.area_rank,
    unified.peers_with_data,
    unified.area_overall_rank,
    unified.area_overall_score,
    unified.peers_ranked,
    unified.peers_min,
    unified.peers_median,
    unified.peers_max,
    unified.note
        || case when unified.series is not null and unified.region_value is null
            then ' The region has no value of this series in this build.' else '' end
        || coalesce(' Source caveats: ' || nullif(sources.caveats, '') || '.', '') as note,
    unified.source
from unified
left join meta.sources as sources on sources.source_id = split_part(unified.source, ',', 1)
order by unified.benchmark desc, unified.series nulls last, unified.benchmark_indicator;

comment on table curated.benchmarks is 'The region beside external yardsticks: the SDSN Sustainable Development Report 2025 thresholds (dashboard band and 0-100 score of the region''s latest value, Belgium''s published score beside it) and the SDG Index for European Cities 2019 (45 cities: distribution, the published value, colour and rank of Brussels, and the region''s own latest value where a comparable series exists). Definitions, years and geographies differ: read note before comparing.';
comment on column curated.benchmarks.benchmark is 'sdsn_sdr2025 (SDSN Sustainable Development Report 2025, countries) or sdsn_eu_cities_2019 (SDG Index for European Cities 2019, 45 cities)';
comment on column curated.benchmarks.benchmark_indicator is 'Indicator code in the benchmark (sdg11_pm25, sdg3_traffic …; SDG11 = the goal-11 score)';
comment on column curated.benchmarks.benchmark_label is 'Indicator name and unit as the benchmark gives them';
comment on column curated.benchmarks.benchmark_year is 'SDR reference year of the indicator (codebook); NULL for the city index, whose file gives no years';
comment on column curated.benchmarks.better is 'Which way is better: lower or higher (config/benchmark_map.csv; for the SDR the codebook''s optimum agrees)';
comment on column curated.benchmarks.indicator_id is 'The pipeline indicator the benchmark indicator is compared with; NULL when there is none';
comment on column curated.benchmarks.series is 'The pipeline series compared (curated.indicator_values); NULL when there is none';
comment on column curated.benchmarks.comparability is 'similar (same quantity, measured differently), different (related quantity, side by side only) or no_series';
comment on column curated.benchmarks.region_ref_area is 'Area code of the region (REFNIS) when it has a value of the series';
comment on column curated.benchmarks.region_year is 'Year of the region''s latest value of the series';
comment on column curated.benchmarks.region_value is 'The region''s latest value (total, no breakdown) in the unit of the series';
comment on column curated.benchmarks.region_unit is 'Unit of region_value (SDMX UNIT_MEASURE)';
comment on column curated.benchmarks.unit_factor is 'Factor from the series unit to the benchmark unit (0.1: per 100 000 to per 10 000)';
comment on column curated.benchmarks.region_value_in_benchmark_unit is 'region_value × unit_factor: the figure compared with the benchmark';
comment on column curated.benchmarks.region_nature is 'SDG DSD NATURE of the region''s value (E = estimate or proxy: see curated.indicator_values.comment)';
comment on column curated.benchmarks.region_synthetic is 'True when the region''s value rests on invented sample data';
comment on column curated.benchmarks.region_band is 'SDR only: the SDR dashboard band of the region''s value (green, yellow, orange, red); thresholds are set for countries, so an orientation, not an SDSN rating';
comment on column curated.benchmarks.region_score is 'SDR only: the region''s value normalised as the SDR does, 100·(x − LB)/(Opt − LB) clipped to [0, 100]';
comment on column curated.benchmarks.optimum is 'SDR only: value that scores 100 (codebook Optimum)';
comment on column curated.benchmarks.green_threshold is 'SDR only: green threshold ("SDG achieved" at or better)';
comment on column curated.benchmarks.red_threshold is 'SDR only: red threshold ("major challenges" when worse)';
comment on column curated.benchmarks.lower_bound is 'SDR only: value that scores 0 (codebook Lower Bound)';
comment on column curated.benchmarks.benchmark_area is 'The area of the benchmark shown beside the region: Belgium (SDR) or Brussels (city index)';
comment on column curated.benchmarks.area_value is 'SDR: the value Belgium''s score implies, LB + score/100·(Opt − LB), only when the score is strictly between 0 and 100 (DERIVED); city index: Brussels'' published value';
comment on column curated.benchmarks.area_score is 'SDR only: Belgium''s published 0-100 score of the indicator';
comment on column curated.benchmarks.area_colour is 'SDR: Belgium''s band, from its score with the same midpoint rule (UNVERIFIED); city index: Brussels'' published dashboard colour';
comment on column curated.benchmarks.area_rank is 'City index only: rank of Brussels among the cities with a value (1 = best in the direction of better); NULL without a value';
comment on column curated.benchmarks.peers_with_data is 'City index only: number of the 45 cities with a value';
comment on column curated.benchmarks.area_overall_rank is 'Overall rank of the benchmark area: Belgium in the SDR 2025 SDG Index, Brussels among the 45 cities';
comment on column curated.benchmarks.area_overall_score is 'Overall index score (0-100) of the benchmark area';
comment on column curated.benchmarks.peers_ranked is 'City index only: number of cities in the index (45)';
comment on column curated.benchmarks.peers_min is 'City index only: lowest value among the cities';
comment on column curated.benchmarks.peers_median is 'City index only: median value of the cities';
comment on column curated.benchmarks.peers_max is 'City index only: highest value among the cities';
comment on column curated.benchmarks.note is 'How the two figures differ (definition, method, year, geography), from config/benchmark_map.csv, and the source''s caveats (meta.sources)';
comment on column curated.benchmarks.source is 'Catalog source ids of the benchmark (see meta.sources)';
