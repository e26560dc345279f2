-- SDG 11.6.1 municipal solid waste. Only what the material allows:
--   EN_REF_WASCOL: the UN Global Database's collection coverage (%) for the city label the catalog maps to a
--     profile area (city_ref_areas); re-published with the database's NATURE.
--   MSW_COLLECTED_PER_CAPITA (own code): municipal waste collected per inhabitant, pre-2020 Statbel definition
--     (FPB), only for years whose column year the page proves (year_proven).
-- The headline share (collected AND managed in controlled facilities / generated) needs tonnages by facility,
-- which the material does not have: not computed.
create or replace table core.ind_11_6_1 as
with areas as (
    select ref_area from meta.profile_areas
)
select
    '11.6.1' as indicator_id,
    'EN_REF_WASCOL' as series,
    un.city_ref_area as ref_area,
    un.time_period,
    un.value as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    un.nature,
    'unsd_sdg_database' as source,
    'UN SDG Global Database value for the city labelled ''' || un.city || ''' (vintage ' || un.vintage
        || '); the territory behind the label is not stated by the source; collection coverage only, not the share '
        || 'managed in controlled facilities' as comment
from staging.stg_unsd_sdg_database as un
join areas on areas.ref_area = un.city_ref_area
where un.series = 'EN_REF_WASCOL'
union all
select
    '11.6.1',
    'MSW_COLLECTED_PER_CAPITA',
    waste.ref_area,
    waste.time_period,
    waste.value,
    'KG_PER_CAPITA',
    0,
    'A',
    'C',
    'fpb_indicators_waste_by_region',
    'municipal waste collected per inhabitant, pre-2020 Statbel definition (FPB indicators.be); context for 11.6.1, '
        || 'not the UN share; years whose column year is not proven by the page are held back'
from staging.stg_waste_region as waste
join areas on areas.ref_area = waste.ref_area
where waste.measure = 'municipal_waste_collected_per_capita' and waste.year_proven
order by series, ref_area, time_period;
