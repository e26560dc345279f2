-- SDG 11.a.1 national urban policies / regional development plans (UN-Habitat, UNFPA; metadata 2021-12-20).
-- Each evaluator scores the plan on three qualifiers — (a) responds to population dynamics, (b) ensures balanced
-- territorial development, (c) increases local fiscal space — as a percentage (category brackets 0 %, 1–25 %,
-- 26–50 %, 51–75 %, 76–100 %):
--   Q_k = mean over evaluators of qualifier k;   X = (Qa + Qb + Qc) / 3;   the plan counts when X ≥ 51.
-- SD_CPA_UPRDP = 1 when the area's plan counts, else 0 (a real 0: the plan was evaluated and fell short);
-- UPRDP_SCORE (own code) = X. A plan with a qualifier nobody scored gets no row. With several plans for one area
-- and year, the best-scoring plan answers for the area (the indicator asks whether such a plan exists).
create or replace table core.ind_11_a_1 as
with scores as (
    select scores.*
    from staging.stg_urban_policy_scores as scores
    join meta.profile_areas as areas on areas.ref_area = scores.ref_area
),
qualifiers as (
    select ref_area, time_period, policy_id, qualifier, avg(score_pct) as q, count(*) as evaluators
    from scores
    group by ref_area, time_period, policy_id, qualifier
),
plans as (
    select ref_area, time_period, policy_id, avg(q) as x, min(evaluators) as min_evaluators,
        string_agg(qualifier || ' ' || printf('%.2f', q), ', ' order by qualifier) as detail
    from qualifiers
    group by ref_area, time_period, policy_id
    having count(distinct qualifier) = 3
),
best as (
    select ref_area, time_period, arg_max(policy_id, x) as policy_id, max(x) as x,
        arg_max(detail, x) as detail, arg_max(min_evaluators, x) as min_evaluators
    from plans
    group by ref_area, time_period
)
select
    '11.a.1' as indicator_id,
    'SD_CPA_UPRDP' as series,
    ref_area,
    time_period,
    case when x >= 51 then 1.0 else 0.0 end as obs_value,
    'NUMBER' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'urban_policy_evaluation' as source,
    'plan ' || policy_id || ': X = ' || printf('%.2f', x) || ' (Q: ' || detail || '), counted when X ≥ 51; at least '
        || min_evaluators || ' evaluator(s) per qualifier' as comment
from best
union all
select '11.a.1', 'UPRDP_SCORE', ref_area, time_period, x, 'PT', 0, 'A', 'C', 'urban_policy_evaluation',
    'plan ' || policy_id || ': X = (Qa + Qb + Qc)/3 (Q: ' || detail || ')'
from best
order by series, ref_area, time_period;
