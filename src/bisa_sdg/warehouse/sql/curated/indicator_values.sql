-- One row per indicator × series × area × year × breakdown, aligned with the SDG DSD (SDMX).
-- core.indicator_union is the union of every core.ind_* model (built by the model runner), so adding an
-- indicator is adding one .sql file.
create or replace table curated.indicator_values as
with observations as (
    select * from core.indicator_union
),
flagged as (
    select
        -- the union carries a (NULL) synthetic column; without the exclude it shadows the flag computed here
        observations.* exclude (synthetic),
        exists (
            select 1 from meta.sources
            where meta.sources.synthetic
              and list_contains(string_split(observations.source, ','), meta.sources.source_id)
        ) as synthetic
    from observations
)
select
    indicator_id,
    series,
    ref_area,
    cast(time_period as integer) as time_period,
    cast(obs_value as double) as obs_value,
    cast(obs_lower as double) as obs_lower,
    cast(obs_upper as double) as obs_upper,
    unit_measure,
    cast(coalesce(unit_mult, 0) as integer) as unit_mult,
    coalesce(obs_status, 'A') as obs_status,
    coalesce(nature, 'C') as nature,
    'A' as freq,
    'N' as reporting_type,
    coalesce(sex, '_T') as sex,
    coalesce(age, '_T') as age,
    coalesce(urbanisation, '_T') as urbanisation,
    coalesce(income_wealth_quantile, '_T') as income_wealth_quantile,
    coalesce(education_lev, '_T') as education_lev,
    coalesce(occupation, '_T') as occupation,
    coalesce(cust_breakdown, '_T') as cust_breakdown,
    coalesce(composite_breakdown, '_T') as composite_breakdown,
    coalesce(disability_status, '_T') as disability_status,
    coalesce(activity, '_T') as activity,
    coalesce(product, '_T') as product,
    source,
    synthetic,
    case when synthetic then 'SYNTHETIC INPUT — not an official figure; ' else '' end || coalesce(comment, '') as comment
from flagged
order by indicator_id, series, ref_area, time_period, sex, age, urbanisation, disability_status;

comment on table curated.indicator_values is 'SDG 11 and EU SDG 11 indicator values: one row per indicator, series, area, year and breakdown, in SDG DSD (SDMX) codes. Proxies, estimates and synthetic inputs are flagged in nature, synthetic and comment.';
comment on column curated.indicator_values.indicator_id is 'Indicator: UN SDG indicator number (''11.3.1'') or Eurostat EU SDG code (''sdg_11_40'')';
comment on column curated.indicator_values.series is 'Series: UN SDG SERIES code (''EN_LND_CNSPOP'') or an own/EU code for series the UN does not define';
comment on column curated.indicator_values.ref_area is 'Area code (REFNIS); see curated.areas';
comment on column curated.indicator_values.time_period is 'Reference year';
comment on column curated.indicator_values.obs_value is 'The value, in unit_measure × 10^unit_mult';
comment on column curated.indicator_values.obs_lower is 'Lowest value the published rounding of the inputs allows (e.g. a share published to one decimal moves by ±0.05 points); NULL when the inputs are exact or their precision is not known';
comment on column curated.indicator_values.obs_upper is 'Highest value the published rounding of the inputs allows; NULL when the inputs are exact or their precision is not known';
comment on column curated.indicator_values.unit_measure is 'Unit (SDMX UNIT_MEASURE code where one exists: PT percent, RO ratio, PER_100000_POP per 100 000 population)';
comment on column curated.indicator_values.unit_mult is 'SDMX UNIT_MULT: power of ten the value is expressed in (0 = units)';
comment on column curated.indicator_values.obs_status is 'SDMX OBS_STATUS: A normal, E estimated, B time-series break (the first value after a change of definition or basis: not comparable with the values before it), M missing';
comment on column curated.indicator_values.nature is 'SDG DSD NATURE: C computed from the region''s own data, E estimated (an input is an estimate or a proxy), M modelled';
comment on column curated.indicator_values.freq is 'SDMX FREQ: A annual';
comment on column curated.indicator_values.reporting_type is 'SDG DSD REPORTING_TYPE: N national (here sub-national) production';
comment on column curated.indicator_values.sex is 'SDG DSD SEX breakdown (_T total)';
comment on column curated.indicator_values.age is 'SDG DSD AGE breakdown (_T all ages)';
comment on column curated.indicator_values.urbanisation is 'SDG DSD URBANISATION breakdown (_T total)';
comment on column curated.indicator_values.income_wealth_quantile is 'SDG DSD INCOME_WEALTH_QUANTILE breakdown (_T total)';
comment on column curated.indicator_values.education_lev is 'SDG DSD EDUCATION_LEV breakdown (_T total)';
comment on column curated.indicator_values.occupation is 'SDG DSD OCCUPATION breakdown (_T total)';
comment on column curated.indicator_values.cust_breakdown is 'SDG DSD CUST_BREAKDOWN custom breakdown (_T total)';
comment on column curated.indicator_values.composite_breakdown is 'SDG DSD COMPOSITE_BREAKDOWN (_T total)';
comment on column curated.indicator_values.disability_status is 'SDG DSD DISABILITY_STATUS breakdown (_T total)';
comment on column curated.indicator_values.activity is 'SDG DSD ACTIVITY breakdown (_T total)';
comment on column curated.indicator_values.product is 'SDG DSD PRODUCT breakdown (_T total)';
comment on column curated.indicator_values.source is 'Catalog source ids the value rests on, comma-separated (see meta.sources and meta.source_files for files and sha256)';
comment on column curated.indicator_values.synthetic is 'True when any input of this value is invented sample data (see meta.sources.synthetic)';
comment on column curated.indicator_values.comment is 'Method notes in plain words: period, proxies, deviations from the UN method, caveats';
