-- Air-quality stations with their type and the profile municipality they stand in. The EEA "Municipality" field
-- ('Brussel=Bruxelles', 'VORST', 'Ukkel=Uccle') is split at '=' and matched, case-insensitively, with the
-- Statbel French and Dutch names (without a parenthesised suffix such as '(Brussel-Hoofdstad)'). A label that
-- matches no municipality, or more than one, gets ref_area NULL and is not used.
create or replace table staging.stg_aq_stations as
with municipalities as (
    select
        ref_area,
        lower(trim(regexp_replace(name_fr, '\s*\(.*\)\s*$', ''))) as name_fr,
        lower(trim(regexp_replace(name_nl, '\s*\(.*\)\s*$', ''))) as name_nl
    from staging.stg_areas
),
stations as (
    select
        station_code, station_name, station_type, station_area, lon, lat, municipality_label,
        list_transform(string_split(municipality_label, '='), lambda part: lower(trim(part))) as label_names
    from raw.eea_aq_stations
),
matched as (
    select
        stations.station_code,
        count(municipalities.ref_area) as matches,
        min(municipalities.ref_area) as ref_area
    from stations
    left join municipalities
        on list_contains(stations.label_names, municipalities.name_fr)
        or list_contains(stations.label_names, municipalities.name_nl)
    group by stations.station_code
)
select
    stations.station_code,
    stations.station_name,
    stations.station_type,
    stations.station_area,
    stations.lon,
    stations.lat,
    stations.municipality_label,
    case when matched.matches = 1 then matched.ref_area end as ref_area
from stations
join matched using (station_code)
order by station_code;
