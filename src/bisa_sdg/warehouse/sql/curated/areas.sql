create or replace table curated.areas as
select ref_area, level, parent_area, name_fr, name_nl, name_en, area_km2
from core.areas
order by level desc, ref_area;

comment on table curated.areas is 'The areas the figures are published for: the region and its municipalities, with names in French, Dutch and English.';
comment on column curated.areas.ref_area is 'Area code (REFNIS, Statbel)';
comment on column curated.areas.level is '''region'' or ''municipality''';
comment on column curated.areas.parent_area is 'Code of the area this one belongs to (the country''s M49 code for the region)';
comment on column curated.areas.name_fr is 'Name in French';
comment on column curated.areas.name_nl is 'Name in Dutch';
comment on column curated.areas.name_en is 'Name in English';
comment on column curated.areas.area_km2 is 'Cadastral area in km² (Statbel); the region''s is the sum of its municipalities';
