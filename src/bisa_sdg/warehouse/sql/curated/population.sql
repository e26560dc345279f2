create or replace table curated.population as
select ref_area, time_period, population, source, derived, flag
from core.population
order by ref_area, time_period;

comment on table curated.population is 'Population on 1 January by area (REFNIS) and year. The region''s figure is the sum of its municipalities where all are known, otherwise the published regional figure.';
comment on column curated.population.ref_area is 'Area code (REFNIS): the region or one of its municipalities; see curated.areas';
comment on column curated.population.time_period is 'Year; the population is counted on 1 January of that year';
comment on column curated.population.population is 'Number of inhabitants (legal population, Statbel)';
comment on column curated.population.source is 'Catalog source id the figure comes from (see meta.sources)';
comment on column curated.population.derived is 'True when the figure is arithmetic on two published numbers (a level and a yearly growth), not a published level';
comment on column curated.population.flag is 'The mark the source file carries in the catalog (a mark is on a whole file): UNCERTAIN (2020 municipal figures: the compilation matched them to municipalities by row position; region sums are not marked), CONFLICT (2022: the file''s Brussels total differs from a figure quoted in the press; region sums of that file carry it); NULL when none';
