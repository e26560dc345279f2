-- The region's published history (tidy compilation, every row citing its page or file), restricted to the profile's
-- areas. flags keeps the compilation's marks (DERIVED, UNCERTAIN, CONFLICT) for the models built on it.
create or replace table staging.stg_history_figures as
select
    history.series,
    history.ref_area,
    cast(history.time_period as integer) as time_period,
    history.value,
    history.value_decimals,
    history.unit,
    history.publisher,
    history.source_url,
    history.note,
    nullif(history.flags, '') as flags
from raw.published_history as history
join meta.profile_areas as areas on areas.ref_area = history.ref_area
order by series, ref_area, time_period;
