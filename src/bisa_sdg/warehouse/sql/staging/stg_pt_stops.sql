-- Public transport stops for SDG 11.2.1, in Lambert 72 metres, each with the access radius of its capacity
-- class (UN-Habitat metadata 2021-09-01): low capacity (bus, tram) 500 m, high capacity (metro, rail) 1 000 m.
-- STIB stop points (bus B, tram T, metro M) and SNCB rail stations (GTFS location_type 1; platforms are left
-- out, they sit at the station's coordinates). Mode R = rail is this model's own code.
create or replace table staging.stg_pt_stops as
with stib as (
    select 'stib_stops' as source, stop_id, mode, x, y
    from raw.stib_stops
),
sncb as (
    select 'sncb_stations' as source, stop_id, 'R' as mode, x, y
    from raw.sncb_stations
    where location_type = '1'
),
stops as (
    select * from stib
    union all
    select * from sncb
)
select
    source,
    stop_id,
    mode,
    case when mode in ('B', 'T') then 'low' when mode in ('M', 'R') then 'high' end as capacity,
    -- an unknown mode gets no radius (and so gives no access) rather than a guessed one; validation refuses it
    cast(case when mode in ('B', 'T') then 500 when mode in ('M', 'R') then 1000 end as double) as radius_m,
    cast(x as double) as x,
    cast(y as double) as y
from stops
order by source, stop_id;
