-- Areas of the profile: the region (level 'region') and its municipalities, with names in three languages.
create or replace table core.areas as
with municipalities as (
    select
        stg.ref_area,
        'municipality' as level,
        profile.parent_area,
        stg.name_fr,
        stg.name_nl,
        -- Municipal names are the same word in English; use the French one unless the profile says otherwise.
        coalesce(profile.name_en, stg.name_fr) as name_en,
        stg.area_cadastral_km2 as area_km2
    from staging.stg_areas as stg
    join meta.profile_areas as profile on profile.ref_area = stg.ref_area
),
region as (
    select
        profile.ref_area,
        'region' as level,
        profile.parent_area,
        profile.name_fr,
        profile.name_nl,
        profile.name_en,
        (select sum(area_km2) from municipalities) as area_km2
    from meta.profile_areas as profile
    where profile.level = 'region'
)
select * from region
union all
select * from municipalities
order by level desc, ref_area;
