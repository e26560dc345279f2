-- Figures transcribed from public pages (source published_figures_sdg11), restricted to rows with a plain year
-- and a plain number; the topic names what the figure is (see data/raw/published_figures_sdg11/PROVENANCE.md).
create or replace table staging.stg_published_figures as
select
    topic,
    ref_area,
    is_country,
    cast(time_period as integer) as time_period,
    cast(value as double) as value,
    unit,
    source_url,
    note,
    _file as file
from raw.published_figures_sdg11
where time_period is not null and value is not null
order by topic, ref_area, time_period;
