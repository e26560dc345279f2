-- SDG 11.b.1 Sendai key-element scores (drop-in input): one score (0–1) per strategy and key element.
create or replace table staging.stg_sendai_scores as
select
    ref_area,
    cast(time_period as integer) as time_period,
    strategy_id,
    strategy_title,
    cast(key_element as integer) as key_element,
    cast(score as double) as score
from raw.sendai_drr_scorecard;
