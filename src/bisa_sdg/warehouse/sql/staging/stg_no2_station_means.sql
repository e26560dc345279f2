-- NO2 annual means per station (IRCEL-CELINE, validated); no2_ugm3 is NULL where the publisher gives -9999.
create or replace table staging.stg_no2_station_means as
select
    station_code,
    cast(time_period as integer) as time_period,
    cast(no2_ugm3 as double) as no2_ugm3,
    cast(nhours as integer) as nhours,
    value_status
from raw.irceline_station_annual_means
where pollutant = 'NO2'
order by station_code, time_period;
