-- How the area is doing against each agenda, counted over its targets and told in one sentence.
-- Unit of count: one target of config/targets.csv in one area, taken from its headline row in curated.progress
-- (progress_table.py chooses it): for targets with a number the UNSD 2023 anticipated-value method, for
-- commitments without a number (most SDG 11 targets, every New Urban Agenda commitment) the UN's no-target rule
-- of the 2020-22 progress chart on the trend of the mapped indicator. New Urban Agenda commitments have no
-- numbers of their own: each is mapped to an SDG 11 indicator in targets.csv and assessed through that
-- indicator's trend in the commitment's direction. The method names are read from the rows, not written here.
create or replace table curated.agenda_scorecard as
with headline as (
    select
        progress.*,
        groups.agenda_group,
        groups.agenda_group_label,
        groups.group_position
    from curated.progress as progress
    join meta.agenda_groups as groups using (agenda)
    where progress.headline and progress.target_id is not null
),
reason_counts as (
    select agenda_group, ref_area, target_type, reason_label, count(*) as n
    from headline
    where not assessed
    group by agenda_group, ref_area, target_type, reason_label
),
reasons as (
    -- 'one data point' when every unassessable target shares the reason, else 'no data: 3; one data point: 1'
    select
        agenda_group,
        ref_area,
        target_type,
        case
            when count(*) = 1 then any_value(reason_label)
            else string_agg(reason_label || ': ' || n, '; ' order by n desc, reason_label)
        end as reasons
    from reason_counts
    group by agenda_group, ref_area, target_type
),
counts as (
    select
        agenda_group,
        any_value(agenda_group_label) as agenda_group_label,
        min(group_position) as group_position,
        ref_area,
        any_value(area_level) as area_level,
        count(*) as n_targets,
        count(*) filter (where target_type = 'numeric') as n_numeric,
        any_value(method) filter (where target_type = 'numeric') as numeric_method,
        count(*) filter (where target_type = 'numeric' and category = 'target_met') as n_target_met,
        count(*) filter (where target_type = 'numeric' and category = 'on_track') as n_on_track,
        count(*) filter (where target_type = 'numeric' and category = 'moderate_progress') as n_moderate_progress,
        count(*) filter (where target_type = 'numeric' and category = 'marginal_progress') as n_marginal_progress,
        count(*) filter (where target_type = 'numeric' and category = 'stagnation') as n_stagnation,
        count(*) filter (where target_type = 'numeric' and category = 'regression') as n_regression,
        count(*) filter (where target_type = 'numeric' and not assessed) as n_numeric_not_assessable,
        count(*) filter (where target_type = 'direction') as n_direction,
        any_value(method) filter (where target_type = 'direction') as direction_method,
        count(*) filter (
            where target_type = 'direction' and category in ('substantial_progress', 'fair_progress')
        ) as n_direction_progress,
        count(*) filter (where target_type = 'direction' and category = 'limited_progress') as n_direction_limited,
        count(*) filter (where target_type = 'direction' and category = 'deterioration') as n_direction_deterioration,
        count(*) filter (where target_type = 'direction' and not assessed) as n_direction_not_assessable,
        count(*) filter (where assessed) as n_with_verdict,
        count(*) filter (where assessed and verdict_stable) as n_robust,
        count(*) filter (where assessed and not methods_agree) as n_method_dependent,
        string_agg(distinct indicator_id, ', ' order by indicator_id) as indicators,
        string_agg(distinct indicator_id, ', ' order by indicator_id) filter (where assessed) as indicators_assessed,
        string_agg(distinct target_id, ', ' order by target_id) as target_ids,
        bool_or(synthetic) as synthetic
    from headline
    group by agenda_group, ref_area
),
sentences as (
    select
        counts.*,
        numeric_reasons.reasons as numeric_reasons,
        direction_reasons.reasons as direction_reasons,
        case when n_numeric > 0 then
            n_numeric || case when n_numeric = 1 then ' target with a number: ' else ' targets with a number: ' end
            || concat_ws(', ',
                case when n_target_met > 0 then n_target_met || ' met' end,
                case when n_on_track > 0 then n_on_track || ' on track' end,
                case when n_moderate_progress > 0 then n_moderate_progress || ' moderate progress' end,
                case when n_marginal_progress > 0 then n_marginal_progress || ' marginal progress' end,
                case when n_stagnation > 0 then n_stagnation || ' stagnating' end,
                case when n_regression > 0 then n_regression || ' regressing' end,
                case when n_numeric_not_assessable > 0
                    then n_numeric_not_assessable || ' cannot be assessed (' || numeric_reasons.reasons || ')' end
            )
            || ' (method ' || numeric_method || ')'
        end as numeric_sentence,
        case when n_direction > 0 then
            n_direction || case when n_direction = 1 then ' commitment without a number: '
                else ' commitments without a number: ' end
            || concat_ws(', ',
                case when n_direction_progress > 0 then n_direction_progress || ' moving the desired way' end,
                case when n_direction_limited > 0 then n_direction_limited || ' limited or no progress' end,
                case when n_direction_deterioration > 0 then n_direction_deterioration || ' moving away' end,
                case when n_direction_not_assessable > 0
                    then n_direction_not_assessable || ' cannot be assessed (' || direction_reasons.reasons || ')' end
            )
            || ' (trend rule of ' || direction_method || ')'
        end as direction_sentence
    from counts
    left join reasons as numeric_reasons
        on numeric_reasons.agenda_group = counts.agenda_group
        and numeric_reasons.ref_area = counts.ref_area
        and numeric_reasons.target_type = 'numeric'
    left join reasons as direction_reasons
        on direction_reasons.agenda_group = counts.agenda_group
        and direction_reasons.ref_area = counts.ref_area
        and direction_reasons.target_type = 'direction'
)
select
    agenda_group,
    agenda_group_label,
    ref_area,
    area_level,
    concat_ws('. ', numeric_sentence, direction_sentence) || '.' as headline,
    n_targets,
    n_with_verdict,
    round(n_with_verdict / n_targets, 4) as share_with_verdict,
    n_robust,
    n_method_dependent,
    indicators,
    indicators_assessed,
    target_ids,
    n_numeric,
    numeric_method,
    n_target_met,
    n_on_track,
    n_moderate_progress,
    n_marginal_progress,
    n_stagnation,
    n_regression,
    n_numeric_not_assessable,
    numeric_reasons,
    n_direction,
    direction_method,
    n_direction_progress,
    n_direction_limited,
    n_direction_deterioration,
    n_direction_not_assessable,
    direction_reasons,
    synthetic
from sentences
order by group_position, area_level desc, ref_area;

comment on table curated.agenda_scorecard is 'How each area is doing against each agenda (2030 Agenda, New Urban Agenda, UN road-safety resolutions, Paris Agreement, European Green Deal, WHO, plans of the region): its targets counted by progress class from the headline rows of curated.progress, with a sentence to read. Targets with a number are classed by the UNSD 2023 anticipated-value method, commitments without a number (all New Urban Agenda rows, through their mapped SDG 11 indicators) by the trend rule of the UNSD 2020-22 chart. Thresholds partly UNVERIFIED (see method_version in curated.progress).';
comment on column curated.agenda_scorecard.agenda_group is 'Scorecard row: a group of targets.csv agenda codes (meta.agenda_groups); green_deal = eu_law + eu_policy';
comment on column curated.agenda_scorecard.agenda_group_label is 'The agenda in words';
comment on column curated.agenda_scorecard.ref_area is 'Area code (REFNIS); municipalities have rows only for targets that apply to every area (applies_to all) on series produced for municipalities';
comment on column curated.agenda_scorecard.area_level is '''region'' or ''municipality''';
comment on column curated.agenda_scorecard.headline is 'The counts in a sentence, e.g. ''5 targets with a number: 2 met, 1 on track, 2 cannot be assessed (one data point) (method unsd-2023).''';
comment on column curated.agenda_scorecard.n_targets is 'Targets of the agenda counted for the area (numeric + commitments)';
comment on column curated.agenda_scorecard.n_with_verdict is 'Targets whose headline row has a class (target met, on track … regression; for commitments the trend class)';
comment on column curated.agenda_scorecard.share_with_verdict is 'n_with_verdict / n_targets (0-1, four decimals)';
comment on column curated.agenda_scorecard.n_robust is 'Targets with a verdict whose class survives the published rounding of its inputs and, for unsd-2023, the 80 % prediction interval of the projection (verdict_stable in curated.progress)';
comment on column curated.agenda_scorecard.n_method_dependent is 'Targets with a verdict on which the methods in curated.progress give different lights (methods_agree false): not a headline claim';
comment on column curated.agenda_scorecard.indicators is 'Indicators the targets are measured on, comma-separated';
comment on column curated.agenda_scorecard.indicators_assessed is 'Indicators with at least one target that could be classed; NULL when none';
comment on column curated.agenda_scorecard.target_ids is 'The targets counted (targets.csv target_id), comma-separated';
comment on column curated.agenda_scorecard.n_numeric is 'Targets with a number (a target value or a relative change)';
comment on column curated.agenda_scorecard.numeric_method is 'Method that classes the targets with a number (the headline method, unsd-2023); NULL when there are none';
comment on column curated.agenda_scorecard.n_target_met is 'Targets with a number whose latest value already meets the target';
comment on column curated.agenda_scorecard.n_on_track is 'Targets with a number on track (anticipated share of the required change P >= 0.95)';
comment on column curated.agenda_scorecard.n_moderate_progress is 'Targets with a number in moderate progress (0.5 <= P < 0.95; cut point UNVERIFIED)';
comment on column curated.agenda_scorecard.n_marginal_progress is 'Targets with a number in marginal progress (0.1 <= P < 0.5; cut point UNVERIFIED)';
comment on column curated.agenda_scorecard.n_stagnation is 'Targets with a number stagnating (-0.1 <= P < 0.1; cut point UNVERIFIED)';
comment on column curated.agenda_scorecard.n_regression is 'Targets with a number regressing (P < -0.1, or moved away from a target the base value met)';
comment on column curated.agenda_scorecard.n_numeric_not_assessable is 'Targets with a number that cannot be classed (no data, one data point, target not resolvable …)';
comment on column curated.agenda_scorecard.numeric_reasons is 'Why those targets cannot be classed: the reason, or reason: count; … when they differ';
comment on column curated.agenda_scorecard.n_direction is 'Commitments without a number, assessed on the direction of the trend of their indicator';
comment on column curated.agenda_scorecard.direction_method is 'Method whose no-target rule classes the commitments (unsd-2022: CAGR in the desired direction > 1 %, 0.5–1 %, -1–0.5 %, < -1 %; UNVERIFIED); NULL when there are none';
comment on column curated.agenda_scorecard.n_direction_progress is 'Commitments whose indicator moves the desired way (substantial or fair progress)';
comment on column curated.agenda_scorecard.n_direction_limited is 'Commitments whose indicator shows limited or no progress';
comment on column curated.agenda_scorecard.n_direction_deterioration is 'Commitments whose indicator moves away from the desired direction';
comment on column curated.agenda_scorecard.n_direction_not_assessable is 'Commitments that cannot be assessed (no data, one data point, no direction …)';
comment on column curated.agenda_scorecard.direction_reasons is 'Why those commitments cannot be assessed: the reason, or reason: count; … when they differ';
comment on column curated.agenda_scorecard.synthetic is 'True when any value behind the counts rests on invented sample data';
