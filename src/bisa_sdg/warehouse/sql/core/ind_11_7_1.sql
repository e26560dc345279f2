-- SDG 11.7.1 Average share of the built-up area of cities that is open space for public use (EN_URB_OPENSP, %).
-- UN metadata (2021): (open public space + land allocated to streets) / total area of the city. The region is
-- taken as the city, and both terms come from published region-level shares of the territory:
--   open public space  = publicly accessible green space, % of the territory (IBSA / perspective.brussels);
--   land for streets   = Statbel land use "transport and communications", % of the territory (includes
--                        railways, so it overstates streets), the year nearest to the green-space year (≤ 3 y);
--   EN_URB_OPENSP      = green % + streets %  (both already over the same base, the region's area).
-- Why not over Statbel built-up land (80.4 % in 2022): most public green space (parks, Forêt de Soignes) lies
-- outside Statbel's built-up classes, so that ratio would divide a numerator by a base that does not contain it;
-- the comment gives it as a sensitivity only. No 400 m access component, squares and pedestrian areas that are
-- not green are missing, and the Forêt de Soignes (which UN-Habitat's urban-extent method would likely treat as
-- rural open space) is included: nature 'E'.
create or replace table core.ind_11_7_1 as
with figures as (
    select figures.*
    from staging.stg_published_figures as figures
    join meta.profile_areas as areas on areas.ref_area = figures.ref_area
),
green as (
    select ref_area, time_period, value as green_pct from figures where topic = 'green_space_accessible_share'
),
streets as (
    select ref_area, time_period, value as streets_pct from figures where topic = 'landuse_transport_share'
),
paired as (
    select
        green.ref_area,
        green.time_period,
        any_value(green.green_pct) as green_pct,
        arg_min(streets.streets_pct, abs(streets.time_period - green.time_period) * 10000 + streets.time_period)
            as streets_pct,
        arg_min(streets.time_period, abs(streets.time_period - green.time_period) * 10000 + streets.time_period)
            as streets_year
    from green
    join streets on streets.ref_area = green.ref_area and abs(streets.time_period - green.time_period) <= 3
    group by green.ref_area, green.time_period
),
with_builtup as (
    select
        paired.*,
        arg_min(builtup.builtup_share_pct, abs(builtup.time_period - paired.time_period)) as builtup_pct,
        arg_min(builtup.time_period, abs(builtup.time_period - paired.time_period)) as builtup_year
    from paired
    left join staging.stg_builtup_share as builtup
        on builtup.ref_area = paired.ref_area and abs(builtup.time_period - paired.time_period) <= 3
    group by all
)
select
    '11.7.1' as indicator_id,
    'EN_URB_OPENSP' as series,
    ref_area,
    time_period,
    green_pct + streets_pct as obs_value,
    'PT' as unit_measure,
    0 as unit_mult,
    'A' as obs_status,
    'E' as nature,
    'published_figures_sdg11' || case when builtup_pct is not null then ',published_builtup_share' else '' end
        as source,
    'ESTIMATE: publicly accessible green space ' || green_pct || ' % of the territory (' || time_period
        || ') + land for transport and communications ' || streets_pct || ' % (' || streets_year
        || ', Statbel land use, incl. railways) as land allocated to streets, over the whole region (UN 2021 formula: '
        || 'over the area of the city); no 400 m access component; non-green squares and pedestrian areas missing; '
        || 'Forêt de Soignes included'
        || case
            when builtup_pct is not null then
                '; sensitivity only: over Statbel built-up land (' || builtup_pct || ' %, ' || builtup_year
                || ') the same numerator gives ' || printf('%.1f', 100 * (green_pct + streets_pct) / builtup_pct)
                || ' %, which mixes bases because most public green lies outside built-up land'
            else ''
        end as comment
from with_builtup
where green_pct + streets_pct <= 100
order by ref_area, time_period;
