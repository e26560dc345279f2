-- SDG 11.4.1 Total per capita expenditure on cultural and natural heritage (UNESCO-UIS metadata 2021-12-06):
--   per capita = Σ (public + private expenditure) / population / PPP factor,
-- in constant 2017 PPP US dollars per inhabitant. Each input row is converted with its year's factor
-- (lcu_per_ppp_usd: local currency of that year per constant-2017 PPP dollar, one per area and year — checked by
-- validation), then summed by heritage type (cultural, natural, both) and funding (public, private); the
-- public + private series (…_PBPV) is written only when both funding sources were reported for that area and
-- year, so a missing private survey never passes for "no private spending". Population: 1 January of the year.
create or replace table core.ind_11_4_1 as
with items as (
    select e.ref_area, e.time_period, e.funding, e.heritage_type, e.expenditure_lcu / e.lcu_per_ppp_usd as ppp_usd
    from staging.stg_heritage_expenditure as e
    join meta.profile_areas as areas on areas.ref_area = e.ref_area
),
by_type as (
    select ref_area, time_period, funding, heritage_type as heritage, ppp_usd from items
    union all
    select ref_area, time_period, funding, 'both', ppp_usd from items
),
by_funding as (
    select ref_area, time_period, heritage, funding, sum(ppp_usd) as ppp_usd
    from by_type
    group by ref_area, time_period, heritage, funding
),
reported as (
    select ref_area, time_period, count(distinct funding) as sources
    from items
    group by ref_area, time_period
),
totals as (
    select ref_area, time_period, heritage, funding, ppp_usd from by_funding
    union all
    select by_funding.ref_area, by_funding.time_period, by_funding.heritage, 'both', sum(by_funding.ppp_usd)
    from by_funding
    join reported using (ref_area, time_period)
    where reported.sources = 2
    group by by_funding.ref_area, by_funding.time_period, by_funding.heritage
)
select
    '11.4.1' as indicator_id,
    'GB_XPD_'
        || case totals.heritage when 'cultural' then 'CUL' when 'natural' then 'NAT' else 'CULNAT' end || '_'
        || case totals.funding when 'public' then 'PB' when 'private' then 'PV' else 'PBPV' end as series,
    totals.ref_area,
    totals.time_period,
    totals.ppp_usd / pop.population as obs_value,
    'PPP_USD_2017_PER_CAPITA' as unit_measure,
    0 as unit_mult,
    case when pop.derived then 'E' else 'A' end as obs_status,
    'C' as nature,
    'heritage_expenditure,' || pop.source as source,
    'heritage expenditure in constant 2017 PPP US$ / population on 1 January (' || pop.population || ')'
        || case when pop.derived then '; population derived from a published level and growth' else '' end
        as comment
from totals
join core.population as pop using (ref_area, time_period)
where pop.population > 0
order by series, totals.ref_area, totals.time_period;
