-- SDG 11.3.2 scorecard answers (drop-in input): one row per city, year, evaluator and question.
create or replace table staging.stg_cspart_scores as
select
    ref_area,
    cast(time_period as integer) as time_period,
    evaluator_id,
    evaluator_sector,
    cast(question as integer) as question,
    cast(score as integer) as score
from raw.cspart_scorecard;
