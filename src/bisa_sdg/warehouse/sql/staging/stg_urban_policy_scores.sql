-- SDG 11.a.1 evaluations (drop-in input): one score (%) per plan, evaluator and qualifier (a, b, c).
create or replace table staging.stg_urban_policy_scores as
select
    ref_area,
    cast(time_period as integer) as time_period,
    policy_id,
    policy_title,
    evaluator_id,
    qualifier,
    cast(score_pct as double) as score_pct
from raw.urban_policy_evaluation;
