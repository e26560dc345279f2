-- Road-accident victims, one row per victim group, restricted to the region's municipalities.
create or replace table staging.stg_road_victims as
select
    victims.refnis as ref_area,
    cast(victims.time_period as integer) as time_period,
    victims.accident_date,
    victims.sex_code,
    victims.age_class_code,
    victims.road_user_type_code,
    victims.victims,
    victims.seriously_injured,
    victims.dead_30_days
from raw.statbel_road_victims as victims
join meta.profile_areas as areas
    on areas.ref_area = victims.refnis and areas.level = 'municipality';
