-- SDG 11.2.1 Proportion of population that has convenient access to public transport (UN series SP_TRN_PUBL,
-- percent), for each municipality and the region, in every year from 2018 with municipal population.
--   a cell has access when its centroid lies within 500 m of a bus or tram stop or 1 000 m of a metro stop or
--   rail station (straight line, Lambert 72 metres, distance = radius counts as access);
--   cell population = municipal population on 1 January × cell weight (uniform spread over the territory);
--   municipality: 100 × Σ population of cells with access / Σ population of its cells (weights sum to 1);
--   region: 100 × Σ population with access over all municipalities / Σ population of all municipalities,
--   so it is the population-weighted mean of the municipal values. Written only for years in which every
--   municipality of the profile has a population and a grid.
-- A municipality with no stop in reach gets a row with 0 (access is truly 0). A municipality with zero
-- population has no defined share: no row (it still counts, with 0 people, in the region's sums).
-- Deviations from the UN method (hence nature 'E'): straight-line buffers instead of walking distance along
-- the street network (overstates access); population spread uniformly within each municipality (parks and
-- forest count as inhabited); every stop counts, without the UN's service-frequency and accessibility
-- filters; stops of one vintage (STIB September 2021, SNCB GTFS December 2024 from a truncated sample, the
-- station list may be incomplete) applied to the population years from 2018 on: an inventory of 2021 says little
-- about the network of a decade earlier, so the older population years (2009–2015) get no value.
create or replace table core.ind_11_2_1 as
with stops as (
    select x, y, radius_m
    from staging.stg_pt_stops
    where radius_m is not null and x is not null and y is not null
),
-- Candidate pairs come from a hash join on 500 m buckets: each stop is listed in every bucket its bounding
-- box (x ± radius, y ± radius) touches, each cell in the bucket of its centroid. A cell within the radius lies
-- in the box, so no pair is missed, and no cell is compared with a stop far away (no cross product).
stop_columns as (
    select x, y, radius_m,
        unnest(generate_series(floor((x - radius_m) / 500)::bigint, floor((x + radius_m) / 500)::bigint)) as bx,
        floor((y - radius_m) / 500)::bigint as by_min,
        floor((y + radius_m) / 500)::bigint as by_max
    from stops
),
stop_buckets as (
    select x, y, radius_m, bx, unnest(generate_series(by_min, by_max)) as by
    from stop_columns
),
cells as (
    select ref_area, cell_id, x, y, weight,
        floor(x / 500)::bigint as bx,
        floor(y / 500)::bigint as by
    from staging.stg_population_grid
),
cells_with_access as (
    -- The exact circle: squared distances avoid a square root and keep "exactly at the radius" exact.
    -- A semi join keeps each cell once, at its first stop in reach (a join listed all 219 101 cell × stop pairs
    -- of the sample, then removed the duplicates).
    select cells.ref_area, cells.cell_id
    from cells
    semi join stop_buckets as stop
        on stop.bx = cells.bx and stop.by = cells.by
        and (cells.x - stop.x) * (cells.x - stop.x) + (cells.y - stop.y) * (cells.y - stop.y)
            <= stop.radius_m * stop.radius_m
),
cell_access as (
    select cells.ref_area, cells.cell_id, cells.weight, reach.cell_id is not null as has_access
    from cells
    left join cells_with_access as reach using (ref_area, cell_id)
),
cell_totals as (
    -- Population is spread uniformly, so a municipality's cell populations are population × weight and their
    -- sums are population × Σ weights: the weights are summed once, not once per year. Sums are DECIMAL, which
    -- is exact: a parallel sum of doubles depends on the order the threads add in, and two runs on the same
    -- inputs must give identical figures.
    select
        ref_area,
        sum(cast(weight as decimal(38, 18))) as weight_total,
        coalesce(sum(cast(weight as decimal(38, 18))) filter (where has_access), 0) as weight_with_access,
        count(*) as cells,
        count(*) filter (where has_access) as cells_with_access
    from cell_access
    group by ref_area
),
municipal as (
    select
        pop.ref_area,
        pop.time_period,
        pop.population * cell_totals.weight_total as population,
        pop.population * cell_totals.weight_with_access as population_with_access,
        cell_totals.cells,
        cell_totals.cells_with_access
    from core.population as pop
    join cell_totals using (ref_area)
    where pop.time_period >= 2018  -- the stop inventory's year (2021) minus three: see the header
),
region as (
    select
        (select ref_area from meta.profile_areas where level = 'region') as ref_area,
        time_period,
        sum(population) as population,
        sum(population_with_access) as population_with_access,
        sum(cells) as cells,
        sum(cells_with_access) as cells_with_access
    from municipal
    group by time_period
    having count(*) = (select count(*) from meta.profile_areas where level = 'municipality')
),
observations as (
    select * from municipal
    union all
    select * from region
)
select
    '11.2.1' as indicator_id,
    'SP_TRN_PUBL' as series,
    ref_area,
    time_period,
    -- ratio first, then × 100: full access then gives exactly 100 (100 × a / a need not be exactly 100)
    100 * (cast(population_with_access as double) / cast(population as double)) as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'E' as obs_status,
    'E' as nature,
    'stib_stops,sncb_stations,statbel_boundaries,statbel_population' as source,
    'residents within 500 m of a bus or tram stop or 1 km of a metro or rail station: '
        || cells_with_access || ' of ' || cells || ' 100 m cells'
        || case when ref_area = (select ref_area from meta.profile_areas where level = 'region')
            then ' (region = all municipalities pooled)' else '' end
        || '; ESTIMATE: straight-line (Euclidean) distance, not walking distance along the street network as the'
        || ' UN method asks, which overstates access; population on 1 January ' || time_period
        || ' spread uniformly over each municipality (no finer data: parks and forest count as inhabited);'
        || ' all stops count, without the UN service-frequency and accessibility filters;'
        || ' stops of STIB''s September 2021 network and SNCB stations of December 2024 applied to '
        || time_period || ' (an approximation); the SNCB station list comes from a truncated GTFS sample'
        || ' and may be incomplete' as comment
from observations
where population > 0
order by ref_area, time_period;
