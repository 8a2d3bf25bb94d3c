-- Issue 16 (CONTRACT §8): final denials hold until an audited reopen; document numbers in one normal form.

-- The last audited reopen of an account (kyc.reopen_account): final denials before it no longer refuse intake.
ALTER TABLE kyc.accounts ADD COLUMN reopened_at timestamptz;

-- Numbers not sealed yet take the normal form intake now stores (kyc.normalized_document_number, which a
-- migration cannot call: functions are applied after the migrations). Sealed numbers are fingerprinted again
-- by the next `kyc-review keys rotate`, which picks the rows marked here.
UPDATE kyc.identifiers_awaiting_seal
SET document_number = translate(document_number, 'abcdefghijklmnopqrstuvwxyz' || ' -<' || chr(9) || chr(160),
                                'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
WHERE document_number IS NOT NULL;

ALTER TABLE kyc.applications ADD COLUMN fingerprint_normalized boolean NOT NULL DEFAULT true;
UPDATE kyc.applications SET fingerprint_normalized = false WHERE sealed_identifiers IS NOT NULL;

-- Left over: intake's trigger moves every number out of the row before it is stored, so this index stayed
-- empty, kept only for a duplicate count nobody read (now gone from kyc.claim_for_checks); and the row type
-- kyc.claim_identified mirrored by hand (it now passes the claimed ids).
DROP INDEX kyc.applications_document_number;
DROP TYPE kyc.claimed_application;

-- The duplicate check also counts documents of final denials on other accounts (kyc.count_duplicate_documents).
CREATE INDEX applications_denied_fingerprint ON kyc.applications (document_fingerprint)
    WHERE document_fingerprint IS NOT NULL AND status = 'denied';
