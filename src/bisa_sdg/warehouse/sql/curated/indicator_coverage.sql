-- Coverage of the indicator registry (config/indicators.yaml, loaded as meta.indicator_registry): one row per
-- registry indicator, 'computed' when curated.indicator_values has rows for it, otherwise the registry's
-- status_when_empty ('no_data' or 'not_applicable') with its reason. An indicator without values is never given
-- zeros: its statistics are NULL. Indicators that have values but no registry entry are listed too, so a new
-- model cannot slip past the registry.
create or replace table curated.indicator_coverage as
with region as (
    select ref_area from meta.profile_areas where level = 'region'
),
observed as (
    select
        indicator_id,
        string_agg(distinct series, ',' order by series) as series_computed,
        count(distinct ref_area) as areas,
        bool_or(ref_area in (select ref_area from region)) as region_has_values,
        min(time_period) as first_year,
        max(time_period) as last_year,
        count(*) as observations,
        bool_or(synthetic) as synthetic,
        bool_or(nature in ('E', 'M') or obs_status = 'E') as estimated
    from curated.indicator_values
    group by indicator_id
),
registered as (
    select
        registry.indicator_id,
        registry.framework,
        registry.target,
        registry.title_en,
        registry.title_fr,
        registry.title_nl,
        case when observed.indicator_id is not null then 'computed' else registry.status_when_empty end as status,
        case
            when observed.indicator_id is null then registry.reason_when_empty
            else registry.note_when_computed
        end as reason,
        registry.series_expected,
        observed.series_computed,
        observed.areas,
        observed.region_has_values,
        observed.first_year,
        observed.last_year,
        coalesce(observed.observations, 0) as observations,
        observed.synthetic,
        observed.estimated,
        registry.eurostat_code,
        registry.related,
        registry.model,
        registry.inputs,
        registry.input_folders,
        registry.applicability,
        registry.position
    from meta.indicator_registry as registry
    left join observed using (indicator_id)
),
unregistered as (
    select
        observed.indicator_id,
        null as framework,
        null as target,
        null as title_en,
        null as title_fr,
        null as title_nl,
        'computed' as status,
        'not in config/indicators.yaml: add the indicator to the registry' as reason,
        null as series_expected,
        observed.series_computed,
        observed.areas,
        observed.region_has_values,
        observed.first_year,
        observed.last_year,
        observed.observations,
        observed.synthetic,
        observed.estimated,
        null as eurostat_code,
        null as related,
        null as model,
        null as inputs,
        null as input_folders,
        null as applicability,
        1000000 as position
    from observed
    where observed.indicator_id not in (select indicator_id from meta.indicator_registry)
)
select * exclude (position)
from (select * from registered union all by name select * from unregistered)
order by position, indicator_id;

comment on table curated.indicator_coverage is 'Which indicators of the registry (config/indicators.yaml: the 15 UN SDG 11 indicators and the EU SDG 11 indicators) have values, and why the others have none. One row per indicator; status computed iff curated.indicator_values holds rows for it.';
comment on column curated.indicator_coverage.indicator_id is 'Indicator: UN SDG number (''11.6.2'') or Eurostat EU SDG code (''sdg_11_60'')';
comment on column curated.indicator_coverage.framework is '''UN'' (global indicator framework) or ''EU'' (Eurostat EU SDG indicator set)';
comment on column curated.indicator_coverage.target is 'SDG target the indicator belongs to (''11.6'')';
comment on column curated.indicator_coverage.title_en is 'Title in English (UN SDG API wording for UN indicators, Eurostat for EU ones)';
comment on column curated.indicator_coverage.title_fr is 'Title in French (UN French text where the indicator was not revised in 2020, else own translation; see meta.indicator_registry.title_source_fr)';
comment on column curated.indicator_coverage.title_nl is 'Title in Dutch (own translation; see meta.indicator_registry.title_source_nl)';
comment on column curated.indicator_coverage.status is 'computed (values exist in curated.indicator_values), no_data (the indicator applies but an input is missing) or not_applicable';
comment on column curated.indicator_coverage.reason is 'For no_data / not_applicable: which input is missing and who publishes it. For computed: the proxies, estimates and deviations from the UN or Eurostat method a reader must know';
comment on column curated.indicator_coverage.series_expected is 'Series the registry lists for the indicator (UN SERIES codes, own or EU codes), comma-separated';
comment on column curated.indicator_coverage.series_computed is 'Series that have values in curated.indicator_values, comma-separated; NULL when none';
comment on column curated.indicator_coverage.areas is 'Number of areas (region, municipalities) with values; NULL when none';
comment on column curated.indicator_coverage.region_has_values is 'True when the region itself (not only municipalities) has values; NULL when none';
comment on column curated.indicator_coverage.first_year is 'First year with a value; NULL when none';
comment on column curated.indicator_coverage.last_year is 'Last year with a value; NULL when none';
comment on column curated.indicator_coverage.observations is 'Number of rows in curated.indicator_values (0 when none)';
comment on column curated.indicator_coverage.synthetic is 'True when any value rests on invented sample data; NULL when none';
comment on column curated.indicator_coverage.estimated is 'True when any value is an estimate or proxy (NATURE E or M, or OBS_STATUS E); NULL when none';
comment on column curated.indicator_coverage.eurostat_code is 'Eurostat EU SDG indicator code for EU indicators';
comment on column curated.indicator_coverage.related is 'Related indicators of the other framework (the EU indicator closest to a UN one, and the reverse)';
comment on column curated.indicator_coverage.model is 'SQL model that computes it (under src/bisa_sdg/warehouse/sql/), NULL when no model exists';
comment on column curated.indicator_coverage.inputs is 'Catalog sources the model reads (see meta.sources), comma-separated';
comment on column curated.indicator_coverage.input_folders is 'Drop-in folders under data/raw/ where a statistician puts the input (layout in the folder''s README.md)';
comment on column curated.indicator_coverage.applicability is 'How the indicator applies to a European city-region such as Brussels';
