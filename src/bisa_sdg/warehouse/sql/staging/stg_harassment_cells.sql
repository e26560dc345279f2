-- SDG 11.7.2 survey cells (drop-in input): weighted population and victims per sex × age × disability status.
create or replace table staging.stg_harassment_cells as
select
    ref_area,
    cast(time_period as integer) as time_period,
    sex,
    age,
    disability_status,
    cast(respondents as bigint) as respondents,
    cast(population_weighted as double) as population_weighted,
    cast(victims_physical_weighted as double) as victims_physical_weighted,
    cast(victims_sexual_weighted as double) as victims_sexual_weighted,
    cast(victims_any_weighted as double) as victims_any_weighted
from raw.harassment_survey;
