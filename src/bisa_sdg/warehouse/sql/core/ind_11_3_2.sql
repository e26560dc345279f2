-- SDG 11.3.2 Proportion of cities with a direct participation structure of civil society in urban planning and
-- management that operate regularly and democratically (SG_URB_CSPART, %). UN-Habitat scorecard (metadata
-- 2018-11-01): four questions on a 4-point Likert scale (1 strongly disagree … 4 strongly agree).
--   evaluator score = mean of the evaluator's four answers (an evaluator who skipped a question is not counted);
--   city score      = mean of its evaluators' scores; a city needs at least 5 evaluators, otherwise it is set
--                     aside (not counted in n or N) and the comment says so;
--   SG_URB_CSPART   = 100 × n / N, n = cities whose score is > 2.5 (strictly), N = cities assessed that year;
--                     written for the profile's region, over every profile area scored that year.
--   URB_CSPART_SCORE (own code) = each city's score, for the cities counted.
-- Nothing is written when no city qualifies (never a 0 for "no assessment").
create or replace table core.ind_11_3_2 as
with answers as (
    select scores.*
    from staging.stg_cspart_scores as scores
    join meta.profile_areas as areas on areas.ref_area = scores.ref_area
),
evaluators as (
    select ref_area, time_period, evaluator_id, avg(score) as evaluator_score, count(distinct question) as answered
    from answers
    group by ref_area, time_period, evaluator_id
),
cities as (
    select ref_area, time_period, avg(evaluator_score) as city_score, count(*) as evaluators
    from evaluators
    where answered = 4
    group by ref_area, time_period
),
counted as (
    select * from cities where evaluators >= 5
),
years as (
    select
        cities.time_period,
        count(*) filter (where cities.evaluators >= 5) as assessed,
        count(*) filter (where cities.evaluators >= 5 and cities.city_score > 2.5) as participatory,
        count(*) filter (where cities.evaluators < 5) as set_aside
    from cities
    group by cities.time_period
)
select
    '11.3.2' as indicator_id,
    'SG_URB_CSPART' as series,
    (select ref_area from meta.profile_areas where level = 'region') as ref_area,
    time_period,
    100.0 * participatory / assessed as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'cspart_scorecard' as source,
    participatory || ' of ' || assessed || ' cities assessed score above 2.5 (UN-Habitat scorecard, ≥ 5 evaluators)'
        || case when set_aside > 0 then '; ' || set_aside || ' city(ies) set aside: fewer than 5 evaluators' else '' end
        as comment
from years
where assessed > 0
union all
select
    '11.3.2',
    'URB_CSPART_SCORE',
    ref_area,
    time_period,
    city_score,
    'SCORE',
    0,
    'A',
    'C',
    'cspart_scorecard',
    'mean scorecard score of ' || evaluators || ' evaluators (1–4; counts as participatory above 2.5)'
from counted
order by series, ref_area, time_period;
