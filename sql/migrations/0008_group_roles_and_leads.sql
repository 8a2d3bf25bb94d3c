-- Group roles cannot log in, and reviewers' leads (issue 16).
--
-- The product's roles are groups: they hold privileges, and people and services log in as their own roles
-- that are members of them (`CREATE ROLE alice LOGIN IN ROLE kyc_reviewer`), so that every decision, lease
-- and audit entry names a person, never a shared login. Migrations 0002 and 0004 created them LOGIN; this
-- takes that away. kyc_review_lead is a reviewer that may also break another reviewer's lease.
--
-- Roles are cluster-wide while the advisory lock that serialises migrations is per database: another
-- database of the same cluster may run this at the same moment. So each role is changed only when it still
-- can log in, and a concurrent change of the same role (PostgreSQL's "tuple concurrently updated", raised
-- only once the other transaction has committed its change) or a concurrent creation counts as done.
DO $roles$
DECLARE
    role_name text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kyc_review_lead') THEN
        BEGIN
            CREATE ROLE kyc_review_lead NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT pg_catalog.pg_has_role('kyc_review_lead', 'kyc_reviewer', 'MEMBER') THEN
        BEGIN
            GRANT kyc_reviewer TO kyc_review_lead;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    FOREACH role_name IN ARRAY ARRAY['kyc_intake', 'kyc_daemon', 'kyc_reviewer', 'kyc_reporter', 'kyc_privacy',
                                     'kyc_review_lead'] LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name AND rolcanlogin) THEN
            BEGIN
                EXECUTE format('ALTER ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN internal_error THEN
                IF SQLERRM <> 'tuple concurrently updated' THEN
                    RAISE;
                END IF;
            END;
        END IF;
    END LOOP;
END
$roles$;
