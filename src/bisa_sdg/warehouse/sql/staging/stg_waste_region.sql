-- Municipal waste by region, pre-2020 Statbel definition (FPB indicators.be). year_proven: the page's growth
-- rates prove the column year (1995, 2013, 2018); other years were inferred by the transcriber.
create or replace table staging.stg_waste_region as
select
    measure,
    ref_area,
    cast(time_period as integer) as time_period,
    cast(value as double) as value,
    unit,
    year_mapping,
    year_mapping like 'verified%' as year_proven,
    source_url
from raw.fpb_indicators_waste_by_region
order by measure, ref_area, time_period;
