-- The audit trail as people read it: the same rows, each free-text reference (kyc.free_texts, which the purge
-- empties) replaced by its text, "(erased)" once purged. Read by kyc.application_view and kyc.export_subject.
CREATE VIEW kyc.audit_trail AS
SELECT l.id, l.at, l.actor, l.action, l.application_id, l.account_id,
       CASE WHEN l.details ? 'note_id' OR l.details ? 'applicant_message_id'
            THEN l.details - 'note_id' - 'applicant_message_id'
                 || jsonb_strip_nulls(jsonb_build_object(
                        'note', CASE WHEN l.details ? 'note_id'
                                     THEN coalesce(to_jsonb(n.text), to_jsonb('(erased)'::text)) END,
                        'applicant_message', CASE WHEN l.details ? 'applicant_message_id'
                                                  THEN coalesce(to_jsonb(m.text), to_jsonb('(erased)'::text)) END))
            ELSE l.details END AS details
FROM kyc.audit_log l
LEFT JOIN kyc.free_texts n ON n.id = (l.details ->> 'note_id')::bigint
LEFT JOIN kyc.free_texts m ON m.id = (l.details ->> 'applicant_message_id')::bigint;
