-- Which parts of two UN urban frameworks the region's indicators answer: every cell of UN-Habitat's Global Urban
-- Monitoring Framework (UMF: 5 domains x 4 objectives, meta.umf_cells) with the links of config/framework_map.csv
-- (meta.framework_map), and every New Urban Agenda commitment of the targets catalog (meta.targets, agenda
-- new_urban_agenda: each row maps a commitment to one series, with its citation). One row per cell or commitment
-- and mapped series; a UMF cell without any link keeps one row with NULL series, so all 20 cells are listed.
-- Verdicts: the headline rows of curated.progress for the region (for UMF links every target of the series, for
-- NUA rows the commitment's own target row).
create or replace table curated.framework_coverage as
with region as (
    select ref_area from meta.profile_areas where level = 'region'
),
umf as (
    select
        'UMF' as framework,
        cells.cell_id,
        cells.position,
        cells.domain,
        cells.objective,
        cast(null as varchar) as commitment_id,
        links.indicator_id,
        links.series,
        links.verified as link_verified,
        links.link_source,
        links.note as link_note
    from meta.umf_cells as cells
    left join meta.framework_map as links using (cell_id)
),
nua as (
    select
        'NUA' as framework,
        'nua:' || targets.target_id as cell_id,
        100 + row_number() over (order by targets.target_id) as position,
        cast(null as varchar) as domain,
        cast(null as varchar) as objective,
        targets.target_id as commitment_id,
        targets.indicator_id,
        targets.series,
        -- the catalog reads the NUA text; rows whose paragraph numbers it could not confirm say UNVERIFIED
        case when coalesce(targets.citation, '') || coalesce(targets.note, '') like '%UNVERIFIED%'
            then 'UNVERIFIED' else 'yes' end as link_verified,
        targets.citation as link_source,
        targets.note as link_note
    from meta.targets as targets
    where targets.agenda = 'new_urban_agenda'
),
links as (
    select * from umf
    union all
    select * from nua
),
produced as (
    select
        series,
        count(distinct ref_area) as areas_with_values,
        max(time_period) as last_year,
        bool_or(ref_area in (select ref_area from region)) as region_has_values
    from curated.indicator_values
    where obs_value is not null
    group by series
),
verdicts as (
    select
        links.cell_id,
        links.series,
        count(progress.series) as n_verdict_rows,
        count(*) filter (where progress.light = 'on_track') as n_on_track,
        count(*) filter (where progress.light = 'some_progress') as n_some_progress,
        count(*) filter (where progress.light = 'no_progress_or_worse') as n_no_progress_or_worse,
        count(*) filter (where progress.series is not null and progress.light is null) as n_not_assessed
    from links
    left join curated.progress as progress
        on progress.series = links.series
        and progress.headline
        and progress.ref_area in (select ref_area from region)
        and (links.commitment_id is null or progress.target_id = links.commitment_id)
    group by links.cell_id, links.series
)
select
    links.framework,
    links.cell_id,
    links.position,
    links.domain,
    links.objective,
    links.commitment_id,
    links.indicator_id,
    links.series,
    links.link_verified,
    links.link_source,
    links.link_note,
    coalesce(produced.areas_with_values, 0) > 0 as computed,
    coalesce(produced.areas_with_values, 0) as areas_with_values,
    coalesce(produced.region_has_values, false) as region_has_values,
    produced.last_year,
    bool_or(coalesce(produced.areas_with_values, 0) > 0) over (partition by links.cell_id) as cell_covered,
    coalesce(verdicts.n_verdict_rows, 0) as n_verdict_rows,
    coalesce(verdicts.n_on_track, 0) as n_on_track,
    coalesce(verdicts.n_some_progress, 0) as n_some_progress,
    coalesce(verdicts.n_no_progress_or_worse, 0) as n_no_progress_or_worse,
    coalesce(verdicts.n_not_assessed, 0) as n_not_assessed
from links
left join produced using (series)
left join verdicts on verdicts.cell_id = links.cell_id and verdicts.series is not distinct from links.series
order by links.position, links.series;

comment on table curated.framework_coverage is 'Coverage of UN-Habitat''s Global Urban Monitoring Framework (20 cells: 5 domains x 4 objectives) and of the New Urban Agenda commitments of config/targets.csv by the region''s indicators: one row per cell or commitment and mapped series (a UMF cell without a link keeps one row with NULL series), whether the series is computed and the region''s headline verdicts. UMF links come from config/framework_map.csv and are UNVERIFIED unless link_verified says yes (docs/frameworks.md, docs/sources/umf.md).';
comment on column curated.framework_coverage.framework is '''UMF'' (Global Urban Monitoring Framework, UN-Habitat, endorsed by the UN Statistical Commission in March 2022) or ''NUA'' (New Urban Agenda, A/RES/71/256)';
comment on column curated.framework_coverage.cell_id is 'umf:<domain>:<objective> for a UMF cell, nua:<target_id> for a New Urban Agenda commitment';
comment on column curated.framework_coverage.position is 'Reading order: UMF cells 1-20 (domain by domain), NUA commitments from 101';
comment on column curated.framework_coverage.domain is 'UMF domain: society, economy, environment, culture, governance and implementation; NULL for NUA rows';
comment on column curated.framework_coverage.objective is 'UMF objective: safe and peaceful, inclusive, resilient, sustainable; NULL for NUA rows';
comment on column curated.framework_coverage.commitment_id is 'NUA rows: the targets.csv target_id of the commitment; NULL for UMF rows';
comment on column curated.framework_coverage.indicator_id is 'Indicator of the registry mapped to the cell or commitment; NULL for a UMF cell without a link';
comment on column curated.framework_coverage.series is 'Series mapped (as in curated.indicator_values); NULL for a UMF cell without a link';
comment on column curated.framework_coverage.link_verified is '''yes'' when the link was checked against its cited source, ''UNVERIFIED'' when it is own judgement or the source could not be confirmed (UMF: config/framework_map.csv; NUA: the targets.csv row says UNVERIFIED)';
comment on column curated.framework_coverage.link_source is 'Source of the link: a citation with its address, or ''Own judgement'' and why';
comment on column curated.framework_coverage.link_note is 'Caveat on the link (proxy, example rather than official indicator, paragraph numbers not read)';
comment on column curated.framework_coverage.computed is 'True when curated.indicator_values has at least one value of the series (any area)';
comment on column curated.framework_coverage.areas_with_values is 'Number of areas (region and municipalities) with a value of the series';
comment on column curated.framework_coverage.region_has_values is 'True when the region itself has a value of the series';
comment on column curated.framework_coverage.last_year is 'Latest year with a value of the series; NULL when not computed';
comment on column curated.framework_coverage.cell_covered is 'True when at least one series mapped to the cell or commitment is computed';
comment on column curated.framework_coverage.n_verdict_rows is 'Headline rows of curated.progress for the region: every target of the series for UMF links, the commitment''s own row for NUA';
comment on column curated.framework_coverage.n_on_track is 'Of n_verdict_rows: light on_track';
comment on column curated.framework_coverage.n_some_progress is 'Of n_verdict_rows: light some_progress';
comment on column curated.framework_coverage.n_no_progress_or_worse is 'Of n_verdict_rows: light no_progress_or_worse';
comment on column curated.framework_coverage.n_not_assessed is 'Of n_verdict_rows: no light (insufficient data, no target; curated.progress says why)';
