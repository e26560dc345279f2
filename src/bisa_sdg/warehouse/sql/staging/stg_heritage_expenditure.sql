-- SDG 11.4.1 heritage expenditure items (drop-in input), in local currency with the year's PPP factor.
create or replace table staging.stg_heritage_expenditure as
select
    ref_area,
    cast(time_period as integer) as time_period,
    funding,
    heritage_type,
    level_of_government,
    cast(expenditure_lcu as double) as expenditure_lcu,
    cast(lcu_per_ppp_usd as double) as lcu_per_ppp_usd
from raw.heritage_expenditure;
