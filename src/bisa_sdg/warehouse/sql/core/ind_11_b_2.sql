-- SDG 11.b.2 Proportion of local governments with local DRR strategies (SG_DSR_SILS, %), with its numerator
-- (SG_DSR_SILN) and denominator (SG_GOV_LOGV). Numerator: the count derived from the legal obligation (every
-- mayor must draw up a general emergency and intervention plan, PGUI/ANIP); denominator: the profile's
-- municipalities. nature 'E': adoption per municipality is not verified, and a PGUI is an emergency plan, not
-- necessarily a Sendai-aligned local DRR strategy.
create or replace table core.ind_11_b_2 as
with region as (
    select ref_area from meta.profile_areas where level = 'region'
),
local_governments as (
    select count(*) as n from meta.profile_areas where level = 'municipality'
),
counted as (
    select plans.ref_area, plans.time_period, plans.value_number as with_plan
    from staging.stg_local_emergency_plans as plans
    join region on region.ref_area = plans.ref_area
    where plans.topic = 'sdg_11b2_municipalities_with_local_drr_plan' and plans.value_number is not null
),
legal_basis as (
    select time_period, string_agg(value_text, '; ') as instruments
    from staging.stg_local_emergency_plans
    where topic = 'legal_instrument'
    group by time_period
),
observations as (
    select
        counted.ref_area,
        counted.time_period,
        counted.with_plan,
        local_governments.n,
        coalesce(legal_basis.instruments, 'the legal obligation') as instruments
    from counted
    cross join local_governments
    left join legal_basis using (time_period)
    where local_governments.n > 0 and counted.with_plan <= local_governments.n
),
comments as (
    select
        *,
        'ESTIMATE from the legal obligation (' || instruments || '): every mayor must draw up a general emergency '
            || 'and intervention plan (PGUI), so ' || cast(with_plan as integer) || ' of ' || n
            || ' municipalities are counted; adoption per municipality not verified; a PGUI is an emergency plan, '
            || 'not necessarily a local DRR strategy in line with the national strategy (UNDRR)' as comment
    from observations
)
select '11.b.2' as indicator_id, 'SG_DSR_SILS' as series, ref_area, time_period, 100.0 * with_plan / n as obs_value,
    'PT' as unit_measure, 0 as unit_mult, 'A' as obs_status, 'E' as nature,
    'be_local_emergency_planning_law' as source, comment
from comments
union all
select '11.b.2', 'SG_DSR_SILN', ref_area, time_period, with_plan, 'NUMBER', 0, 'A', 'E',
    'be_local_emergency_planning_law', comment
from comments
union all
select '11.b.2', 'SG_GOV_LOGV', ref_area, time_period, n, 'NUMBER', 0, 'A', 'C',
    'be_local_emergency_planning_law', 'municipalities of the region profile (local governments)'
from comments
order by series, ref_area, time_period;
