-- The population grid of the region's municipalities: one row per 100 m cell (Lambert 72 centroid) with the
-- cell's share (weight) of its municipality's population; weights sum to 1 per municipality. Built at ingest
-- by the statbel_boundaries reader (bisa_sdg.sources.geo.grid_cells): uniform spread, no finer population data.
create or replace table staging.stg_population_grid as
select
    grid.refnis as ref_area,
    grid.cell_id,
    cast(grid.x as double) as x,
    cast(grid.y as double) as y,
    cast(grid.weight as double) as weight
from raw.statbel_boundaries as grid
join meta.profile_areas as area on area.ref_area = grid.refnis and area.level = 'municipality'
order by ref_area, cell_id;
