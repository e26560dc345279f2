-- SDG 11.b.1 adoption and implementation of DRR strategies in line with the Sendai Framework (SG_DSR_LGRGSR,
-- index 0–1): the mean of the scores (0–1) of the ten Sendai key elements (Sendai indicator E-1; scoring levels
-- per the Sendai technical guidance, UNVERIFIED here). A strategy with fewer than ten scored elements gets no
-- row (an incomplete scorecard is not a low score). With several strategies for one area and year, the highest
-- score answers for the area.
create or replace table core.ind_11_b_1 as
with scores as (
    select scores.*
    from staging.stg_sendai_scores as scores
    join meta.profile_areas as areas on areas.ref_area = scores.ref_area
),
strategies as (
    select ref_area, time_period, strategy_id, avg(score) as index_value, count(distinct key_element) as elements
    from scores
    group by ref_area, time_period, strategy_id
    having count(distinct key_element) = 10
),
best as (
    select ref_area, time_period, arg_max(strategy_id, index_value) as strategy_id, max(index_value) as index_value
    from strategies
    group by ref_area, time_period
)
select
    '11.b.1' as indicator_id,
    'SG_DSR_LGRGSR' as series,
    ref_area,
    time_period,
    index_value as obs_value,
    'IX' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'sendai_drr_scorecard' as source,
    'strategy ' || strategy_id || ': mean of the ten Sendai key-element scores (0–1); a regional reading of a '
        || 'national indicator' as comment
from best
order by ref_area, time_period;
