-- The UN global indicator framework as the UN SDG API lists it: goals, targets, indicators and series.
create or replace table meta.sdg_goals as
select distinct goal_code, cast(goal_code as integer) as goal_number
from raw.unsd_sdg_api
order by goal_number;

create or replace table meta.sdg_targets as
select distinct target_code, goal_code
from raw.unsd_sdg_api
order by goal_code, target_code;

create or replace table meta.sdg_indicators as
select distinct indicator_id, target_code, goal_code, tier, indicator_description as description
from raw.unsd_sdg_api
order by goal_code, target_code, indicator_id;

create or replace table meta.sdg_series as
select distinct series_code, indicator_id, series_description as description, release
from raw.unsd_sdg_api
where series_code is not null
order by indicator_id, series_code;
