-- SDG 11.7.2 Proportion of persons victim of physical or sexual harassment in the previous 12 months
-- (UNODC metadata 2018-11-28): 100 × persons who experienced physical and/or sexual harassment / population.
-- Input: weighted survey cells by sex × age band × disability status (no totals in the input). Totals are summed
-- here: by sex × age, by sex, by age, by disability status, and overall. The "any" count is its own column (a
-- person harassed both ways counts once), never physical + sexual. Own sub-series: physical, sexual.
-- A cell group with a weighted population of 0 has no defined share: no row.
create or replace table core.ind_11_7_2 as
with cells as (
    select cells.*
    from staging.stg_harassment_cells as cells
    join meta.profile_areas as areas on areas.ref_area = cells.ref_area
),
groups as (
    select
        ref_area,
        time_period,
        coalesce(sex, '_T') as sex_code,
        coalesce(age, '_T') as age_code,
        coalesce(disability_status, '_T') as disability_code,
        sum(population_weighted) as population,
        sum(victims_any_weighted) as victims_any,
        sum(victims_physical_weighted) as victims_physical,
        sum(victims_sexual_weighted) as victims_sexual,
        sum(respondents) as respondents
    from cells
    group by grouping sets (
        (ref_area, time_period, sex, age),
        (ref_area, time_period, sex),
        (ref_area, time_period, age),
        (ref_area, time_period, disability_status),
        (ref_area, time_period)
    )
),
measures as (
    select *, 'VC_VOH_SXPH' as series, victims_any as victims from groups
    union all
    select *, 'HARASSMENT_PHYSICAL_PREV', victims_physical from groups
    union all
    select *, 'HARASSMENT_SEXUAL_PREV', victims_sexual from groups
)
select
    '11.7.2' as indicator_id,
    series,
    ref_area,
    time_period,
    100.0 * victims / population as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'C' as nature,
    sex_code as sex,
    age_code as age,
    disability_code as disability_status,
    'harassment_survey' as source,
    'survey estimate: weighted victims / weighted population, previous 12 months; ' || respondents
        || ' respondents' as comment
from measures
where population > 0
order by series, ref_area, time_period, sex, age, disability_status;
