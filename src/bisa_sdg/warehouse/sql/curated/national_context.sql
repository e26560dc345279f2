-- National context: the country's values for the SDG 11 indicators, to plot beside the region. UN rows come from
-- the UN SDG Global Database (latest vintage, staging.stg_unsd_sdg_database); EU rows are the country's Eurostat or
-- national figures transcribed from public pages (overcrowding, population-weighted PM2.5, recycling). These
-- are other producers' figures, so they live here and not in curated.indicator_values (the region's production).
create or replace table curated.national_context as
with country as (
    -- The country's UN M49 code without leading zeros, as the SDG DSD's REF_AREA writes it ('056' → '56').
    select cast(cast(parent_area as integer) as varchar) as ref_area
    from meta.profile_areas
    where level = 'region'
),
un_rows as (
    select
        case un.series
            when 'EN_ATM_PM25' then '11.6.2'
            when 'EN_REF_WASCOL' then '11.6.1'
        end as indicator_id,
        'UN' as framework,
        un.series,
        un.geo_area as ref_area,
        case un.location when 'allarea' then '_T' when 'urban' then 'U' when 'rural' then 'R' end as urbanisation,
        un.location,
        un.city,
        un.time_period,
        un.value as obs_value,
        case un.units when 'mgr_m_3' then 'GPERM3' when 'percent' then 'PT' else un.units end as unit_measure,
        un.nature,
        'UN SDG Global Database' as database,
        un.vintage,
        'unsd_sdg_database' as source,
        case
            when un.city is not null then 'city-level value (' || un.city || ')'
            when un.location in ('city', 'tsub') then 'WHO location class ' || un.location
                || ' (degree of urbanisation: cities; towns and semi-dense areas)'
            else 'WHO modelled estimate'
        end as comment
    from staging.stg_unsd_sdg_database as un
    join country on country.ref_area = un.geo_area
),
figure_rows as (
    select
        case figures.topic
            when 'housing_overcrowding_rate' then 'sdg_11_10'
            when 'pm25_pop_weighted_exposure' then '11.6.2'
            when 'waste_municipal_recycling_rate_derived' then 'sdg_11_60'
        end as indicator_id,
        case when figures.topic = 'pm25_pop_weighted_exposure' then 'UN' else 'EU' end as framework,
        case figures.topic
            when 'housing_overcrowding_rate' then 'OVERCROWDING_RATE'
            when 'pm25_pop_weighted_exposure' then 'EN_ATM_PM25'
            when 'waste_municipal_recycling_rate_derived' then 'RECYCLING_RATE'
        end as series,
        (select ref_area from country) as ref_area,
        '_T' as urbanisation,
        null as location,
        null as city,
        figures.time_period,
        figures.value as obs_value,
        case when figures.topic = 'pm25_pop_weighted_exposure' then 'GPERM3' else 'PT' end as unit_measure,
        case when figures.topic = 'waste_municipal_recycling_rate_derived' then 'E' else 'C' end as nature,
        case figures.topic
            when 'housing_overcrowding_rate' then 'Eurostat (ilc_lvho05a), via EIGE'
            when 'pm25_pop_weighted_exposure' then 'IRCEL-CELINE population-weighted, via FPB indicators.be'
            when 'waste_municipal_recycling_rate_derived' then 'Statbel tonnages, rate derived by the transcriber'
        end as database,
        null as vintage,
        'published_figures_sdg11' as source,
        figures.note as comment
    from staging.stg_published_figures as figures
    where figures.is_country
      and figures.topic in ('housing_overcrowding_rate', 'pm25_pop_weighted_exposure', 'waste_municipal_recycling_rate_derived')
      -- an older edition of the CELINE series disagrees with the current one: keep the current edition only
      and coalesce(figures.note, '') not like 'older%'
)
select * from un_rows
union all
select * from figure_rows
order by indicator_id, series, location nulls first, city nulls first, time_period;

comment on table curated.national_context is 'The country''s values for SDG 11 indicators (UN SDG Global Database, latest vintage; Eurostat and national figures as published), to show beside the region. Other producers'' figures, not the region''s production.';
comment on column curated.national_context.indicator_id is 'Indicator (''11.6.2'', ''sdg_11_10''), as in curated.indicator_values';
comment on column curated.national_context.framework is '''UN'' or ''EU''';
comment on column curated.national_context.series is 'Series code (UN SERIES or the same own/EU code as in curated.indicator_values)';
comment on column curated.national_context.ref_area is 'The country''s UN M49 code without leading zeros (''56'' Belgium), as SDMX REF_AREA writes it';
comment on column curated.national_context.urbanisation is 'SDG DSD URBANISATION code where one exists (_T all areas, U urban, R rural); NULL for WHO''s cities / towns-and-semi-dense classes';
comment on column curated.national_context.location is 'Location class as published by the UN database (allarea, urban, rural, city, tsub)';
comment on column curated.national_context.city is 'City label for city-level UN series (EN_REF_WASCOL), as published';
comment on column curated.national_context.time_period is 'Reference year';
comment on column curated.national_context.obs_value is 'The value, in unit_measure';
comment on column curated.national_context.unit_measure is 'SDMX UNIT_MEASURE (GPERM3 µg/m³, PT percent)';
comment on column curated.national_context.nature is 'NATURE as published (C country data, E estimated, M modelled); E for rates derived by the transcriber';
comment on column curated.national_context.database is 'Who publishes the figure';
comment on column curated.national_context.vintage is 'Vintage of the database extract (UN rows)';
comment on column curated.national_context.source is 'Catalog source id (see meta.sources)';
comment on column curated.national_context.comment is 'What the figure is, in plain words (location class, source note)';
