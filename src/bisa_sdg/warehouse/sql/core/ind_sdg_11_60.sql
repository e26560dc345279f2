-- EU SDG indicator sdg_11_60: recycling rate of municipal waste. Two series, because the definition broke in 2020:
--   RECYCLING_RATE          preparation for re-use and recycling, EU 2020 definition, as published (2020+);
--   RECYCLING_RATE_PRE2020  recycled or composted share of municipal waste collected, pre-2020 Statbel
--                           definition (FPB), only years whose column year the page proves.
create or replace table core.ind_sdg_11_60 as
with areas as (
    select ref_area from meta.profile_areas
)
select
    'sdg_11_60' as indicator_id,
    'RECYCLING_RATE' as series,
    figures.ref_area,
    figures.time_period,
    figures.value as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'published_figures_sdg11' as source,
    'preparation for re-use and recycling of municipal waste, EU 2020 definition, as published ('
        || figures.source_url || '); break with the pre-2020 series' as comment
from staging.stg_published_figures as figures
join areas on areas.ref_area = figures.ref_area
where figures.topic = 'waste_municipal_recycling_rate_new_def'
union all
select
    'sdg_11_60',
    'RECYCLING_RATE_PRE2020',
    waste.ref_area,
    waste.time_period,
    waste.value,
    'PT',
    0,
    'A',
    'C',
    'fpb_indicators_waste_by_region',
    'OLD DEFINITION: recycled or composted share of municipal waste collected, pre-2020 Statbel definition '
        || '(FPB indicators.be); not comparable with the EU 2020 definition or its targets'
from staging.stg_waste_region as waste
join areas on areas.ref_area = waste.ref_area
where waste.measure = 'municipal_waste_recycled_or_composted_share' and waste.year_proven
order by series, ref_area, time_period;
