-- EU SDG indicator sdg_11_10: overcrowding rate (% of the population living in an overcrowded household,
-- Eurostat room norm, EU-SILC), as published for the profile's areas. No computation: the figure is the
-- publisher's (IBSA for the region, from EU-SILC); the comment carries the source page.
create or replace table core.ind_sdg_11_10 as
select
    'sdg_11_10' as indicator_id,
    'OVERCROWDING_RATE' as series,
    figures.ref_area,
    figures.time_period,
    figures.value as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    'published_figures_sdg11' as source,
    'EU-SILC overcrowding rate (Eurostat definition) as published (' || figures.source_url
        || '); a regional estimate from a sample survey: the source gives no sampling error' as comment
from staging.stg_published_figures as figures
join meta.profile_areas as areas on areas.ref_area = figures.ref_area
where figures.topic = 'housing_overcrowding_rate'
order by figures.ref_area, figures.time_period;
