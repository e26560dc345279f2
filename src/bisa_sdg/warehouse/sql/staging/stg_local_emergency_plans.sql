-- Legal basis of municipal emergency planning (PGUI/ANIP) and the derived count of municipalities it covers.
create or replace table staging.stg_local_emergency_plans as
select
    topic,
    ref_area,
    cast(time_period as integer) as time_period,
    value_text,
    cast(value_number as double) as value_number,
    unit_or_status,
    source_url,
    note
from raw.be_local_emergency_planning_law
order by topic, time_period;
