-- The report (CONTRACT §6): aggregates and ids only, no personal data. The contract's keys (queue,
-- oldest_in_review_seconds, decided_24h, email) always describe now and the last 24 hours; `window` holds
-- the same and more for [p_since, p_until) (default: the last 24 hours); `sla` lists the cases in review
-- longer than p_sla_hours. Every figure comes from an index range, never a scan of all history.
CREATE FUNCTION kyc.report(p_since timestamptz DEFAULT NULL, p_until timestamptz DEFAULT NULL,
                           p_sla_hours integer DEFAULT 24) RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_since timestamptz := coalesce(p_since, now() - interval '24 hours');
    v_until timestamptz := coalesce(p_until, now());
    v_sla interval := make_interval(hours => p_sla_hours);
BEGIN
    RETURN jsonb_build_object(
        'generated_at', now(),
        'queue', jsonb_build_object(
            'submitted', (SELECT count(*) FROM kyc.applications WHERE status = 'submitted'),
            'checking', (SELECT count(*) FROM kyc.applications WHERE status = 'checking'),
            'in_review', (SELECT count(*) FROM kyc.applications WHERE status = 'in_review')),
        'oldest_in_review_seconds', (
            SELECT floor(extract(epoch FROM now() - min(status_changed_at)))::bigint
            FROM kyc.applications WHERE status = 'in_review'),
        'decided_24h', kyc.decision_counts(now() - interval '24 hours', now()),
        'email', jsonb_build_object(
            'pending', (SELECT count(*) FROM kyc.email_outbox WHERE status = 'pending'),
            'sent_24h', (SELECT count(*) FROM kyc.email_outbox
                         WHERE status = 'sent' AND sent_at > now() - interval '24 hours'),
            'failed', (SELECT count(*) FROM kyc.email_outbox WHERE status = 'failed'),
            'oldest_pending_seconds', (SELECT floor(extract(epoch FROM now() - min(created_at)))::bigint
                                       FROM kyc.email_outbox WHERE status = 'pending')),
        'sla', jsonb_build_object(
            'target_hours', p_sla_hours,
            'breaches', (SELECT count(*) FROM kyc.applications
                         WHERE status = 'in_review' AND status_changed_at < now() - v_sla),
            'breach_ids', coalesce((
                SELECT jsonb_agg(id ORDER BY status_changed_at) FROM (
                    SELECT id, status_changed_at FROM kyc.applications
                    WHERE status = 'in_review' AND status_changed_at < now() - v_sla
                    ORDER BY status_changed_at LIMIT 100) b), '[]'::jsonb)),
        'accounts_in_cooldown', (
            SELECT count(DISTINCT a.account_id) FROM kyc.decisions d JOIN kyc.applications a ON a.id = d.application_id
            WHERE d.retry_after > now()),
        'window', (
            WITH decided AS (
                SELECT d.*, a.submitted_at FROM kyc.decisions d JOIN kyc.applications a ON a.id = d.application_id
                WHERE d.decided_at >= v_since AND d.decided_at < v_until
            ), handled AS (
                SELECT d.decided_by,
                       extract(epoch FROM d.decided_at - (
                           SELECT max(l.at) FROM kyc.audit_log l
                           WHERE l.application_id = d.application_id AND l.action = 'leased'
                             AND l.actor = d.decided_by AND l.at <= d.decided_at)) AS seconds
                FROM decided d WHERE d.decided_by <> 'auto'
            )
            SELECT jsonb_build_object(
                'since', v_since,
                'until', v_until,
                'decided', kyc.decision_counts(v_since, v_until),
                'decided_automatically', (SELECT count(*) FROM decided WHERE decided_by = 'auto'),
                'decided_by_reviewers', (SELECT count(*) FROM decided WHERE decided_by <> 'auto'),
                'automatic_share', (SELECT round(avg((decided_by = 'auto')::int), 4) FROM decided),
                'time_to_decision_seconds', (
                    SELECT jsonb_build_object(
                        'p50', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))::numeric, 1),
                        'p95', round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))::numeric, 1))
                    FROM decided),
                'attempt_limit_denials', (SELECT count(*) FROM decided WHERE reason_code = 'attempt_limit'),
                'reviewers', coalesce((
                    SELECT jsonb_agg(jsonb_build_object(
                        'reviewer', decided_by, 'decisions', n, 'median_handling_seconds', median) ORDER BY decided_by)
                    FROM (SELECT decided_by, count(*) AS n,
                                 round(percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::numeric, 1) AS median
                          FROM handled GROUP BY decided_by) r), '[]'::jsonb),
                'checks', coalesce((
                    SELECT jsonb_object_agg(name, outcomes) FROM (
                        SELECT name, jsonb_object_agg(outcome, n) AS outcomes FROM (
                            SELECT c.name, c.outcome, count(*) AS n FROM kyc.check_results c
                            WHERE c.recorded_at >= v_since AND c.recorded_at < v_until
                            GROUP BY c.name, c.outcome) o
                        GROUP BY name) per_check), '{}'::jsonb),
                'daily_decisions_14d', coalesce((
                    SELECT jsonb_agg(jsonb_build_object('day', day, 'approved', approved, 'denied', denied) ORDER BY day)
                    FROM (SELECT days.day::date AS day, coalesce(per_day.approved, 0) AS approved,
                                 coalesce(per_day.denied, 0) AS denied
                          FROM generate_series(date_trunc('day', v_until) - interval '13 days', date_trunc('day', v_until),
                                               interval '1 day') AS days(day)
                          LEFT JOIN (
                              SELECT date_trunc('day', d.decided_at) AS day,
                                     count(*) FILTER (WHERE d.outcome = 'approved') AS approved,
                                     count(*) FILTER (WHERE d.outcome = 'denied') AS denied
                              FROM kyc.decisions d
                              WHERE d.decided_at >= date_trunc('day', v_until) - interval '13 days'
                                AND d.decided_at < date_trunc('day', v_until) + interval '1 day'
                              GROUP BY 1) per_day ON per_day.day = days.day) daily), '[]'::jsonb))));
END
$$;

-- Decisions in [p_since, p_until): approved, denied, and denials by reason.
CREATE FUNCTION kyc.decision_counts(p_since timestamptz, p_until timestamptz) RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'approved', count(*) FILTER (WHERE outcome = 'approved'),
        'denied', count(*) FILTER (WHERE outcome = 'denied'),
        'by_reason', coalesce((
            SELECT jsonb_object_agg(reason_code, n) FROM (
                SELECT reason_code, count(*) AS n FROM kyc.decisions
                WHERE outcome = 'denied' AND decided_at >= p_since AND decided_at < p_until
                GROUP BY reason_code) r), '{}'::jsonb))
    FROM kyc.decisions
    WHERE decided_at >= p_since AND decided_at < p_until
$$;

-- Check outcomes of the last 24 hours, for metrics and reports: aggregates only.
CREATE FUNCTION kyc.check_outcomes_24h() RETURNS TABLE (name text, outcome text, n bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.name, c.outcome, count(*)
    FROM kyc.check_results c
    WHERE c.recorded_at > now() - interval '24 hours'
    GROUP BY c.name, c.outcome
    ORDER BY c.name, c.outcome
$$;

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.report(timestamptz, timestamptz, integer) TO kyc_reporter, kyc_reviewer, kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.check_outcomes_24h() TO kyc_reporter, kyc_reviewer, kyc_daemon;
