public import KYCDomain

/// An application as a reviewer sees it: the `show` view of CONTRACT §4.
///
/// The store reads it from `kyc.application_view` and it encodes to the keys of `kyc-review show --format
/// json`, nulls included. Times are as the database writes them in JSON (RFC 3339). The submission is the
/// evidence as stored (identifiers masked unless revealed; what a purge left), so it stays open-ended.
public struct ApplicationView: Sendable, Hashable, Codable {
    /// The type and issuing country of the application's document.
    public struct Document: Sendable, Hashable, Codable {
        public var type: String
        public var issuingCountry: String

        enum CodingKeys: String, CodingKey {
            case type
            case issuingCountry = "issuing_country"
        }
    }

    /// A live lease: who holds the case and until when.
    public struct Lease: Sendable, Hashable, Codable {
        public var holder: String
        public var expiresAt: String

        enum CodingKeys: String, CodingKey {
            case holder
            case expiresAt = "expires_at"
        }
    }

    /// One automated check's outcome and evidence.
    public struct Check: Sendable, Hashable, Codable {
        public var name: String
        public var outcome: String
        public var evidence: String?
        public var reasonCode: String?

        enum CodingKeys: String, CodingKey {
            case name, outcome, evidence
            case reasonCode = "reason_code"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.name, forKey: .name)
            try container.encode(self.outcome, forKey: .outcome)
            try container.encode(self.evidence, forKey: .evidence)
            try container.encode(self.reasonCode, forKey: .reasonCode)
        }
    }

    /// Four-eyes: a reviewer's decision waiting for a second reviewer.
    public struct Proposal: Sendable, Hashable, Codable {
        public var outcome: String
        public var reasonCode: String?
        public var note: String?
        public var proposedBy: String
        public var proposedAt: String

        enum CodingKeys: String, CodingKey {
            case outcome, note
            case reasonCode = "reason_code"
            case proposedBy = "proposed_by"
            case proposedAt = "proposed_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.outcome, forKey: .outcome)
            try container.encode(self.reasonCode, forKey: .reasonCode)
            try container.encode(self.note, forKey: .note)
            try container.encode(self.proposedBy, forKey: .proposedBy)
            try container.encode(self.proposedAt, forKey: .proposedAt)
        }
    }

    /// The decision (CONTRACT §2): who (`auto` or the reviewer's role), when, why.
    public struct Decision: Sendable, Hashable, Codable {
        public var outcome: String
        public var reasonCode: String?
        public var decidedBy: String
        public var decidedAt: String
        public var note: String?
        public var applicantMessage: String?
        public var confirmedBy: String?
        public var final: Bool?
        public var attemptsRemaining: Int?
        public var retryAfter: String?

        enum CodingKeys: String, CodingKey {
            case outcome, note, final
            case reasonCode = "reason_code"
            case decidedBy = "decided_by"
            case decidedAt = "decided_at"
            case applicantMessage = "applicant_message"
            case confirmedBy = "confirmed_by"
            case attemptsRemaining = "attempts_remaining"
            case retryAfter = "retry_after"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.outcome, forKey: .outcome)
            try container.encode(self.reasonCode, forKey: .reasonCode)
            try container.encode(self.decidedBy, forKey: .decidedBy)
            try container.encode(self.decidedAt, forKey: .decidedAt)
            try container.encode(self.note, forKey: .note)
            try container.encode(self.applicantMessage, forKey: .applicantMessage)
            try container.encode(self.confirmedBy, forKey: .confirmedBy)
            try container.encode(self.final, forKey: .final)
            try container.encode(self.attemptsRemaining, forKey: .attemptsRemaining)
            try container.encode(self.retryAfter, forKey: .retryAfter)
        }
    }

    /// The applicant's email about the decision and how its delivery went.
    public struct Email: Sendable, Hashable, Codable {
        public var kind: String
        public var status: String
        public var messageID: String?
        public var attempts: Int
        public var lastReply: String?
        public var sentAt: String?

        enum CodingKeys: String, CodingKey {
            case kind, status, attempts
            case messageID = "message_id"
            case lastReply = "last_reply"
            case sentAt = "sent_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.kind, forKey: .kind)
            try container.encode(self.status, forKey: .status)
            try container.encode(self.messageID, forKey: .messageID)
            try container.encode(self.attempts, forKey: .attempts)
            try container.encode(self.lastReply, forKey: .lastReply)
            try container.encode(self.sentAt, forKey: .sentAt)
        }
    }

    /// Another application of the same account.
    public struct EarlierApplication: Sendable, Hashable, Codable {
        public var id: Int64
        public var status: String
        public var submittedAt: String

        enum CodingKeys: String, CodingKey {
            case id, status
            case submittedAt = "submitted_at"
        }
    }

    /// One entry of the application's audit trail.
    public struct AuditEntry: Sendable, Hashable, Codable {
        public var at: String
        public var actor: String
        public var action: String
        public var details: JSONValue

        enum CodingKeys: String, CodingKey {
            case at, actor, action, details
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.at = try container.decode(String.self, forKey: .at)
            self.actor = try container.decode(String.self, forKey: .actor)
            self.action = try container.decode(String.self, forKey: .action)
            self.details = try container.decodeIfPresent(JSONValue.self, forKey: .details) ?? .null
        }
    }

    public var id: Int64
    public var accountID: String
    public var status: String
    public var submittedAt: String
    public var sessionStartedAt: String
    public var receivedAt: String
    public var document: Document
    /// The evidence a reviewer weighs, as stored: basic info, document (number and MRZ masked unless
    /// revealed), images, selfie, scores.
    public var submission: JSONValue
    public var lease: Lease?
    public var checks: [Check]
    public var proposal: Proposal?
    public var decision: Decision?
    public var emails: [Email]
    public var history: [EarlierApplication]
    public var audit: [AuditEntry]
    /// When a purge erased the personal data; nil while it is kept.
    public var personalDataErasedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, status, document, submission, lease, checks, proposal, decision, emails, history, audit
        case accountID = "account_id"
        case submittedAt = "submitted_at"
        case sessionStartedAt = "session_started_at"
        case receivedAt = "received_at"
        case personalDataErasedAt = "personal_data_erased_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(Int64.self, forKey: .id)
        self.accountID = try container.decode(String.self, forKey: .accountID)
        self.status = try container.decode(String.self, forKey: .status)
        self.submittedAt = try container.decode(String.self, forKey: .submittedAt)
        self.sessionStartedAt = try container.decode(String.self, forKey: .sessionStartedAt)
        self.receivedAt = try container.decode(String.self, forKey: .receivedAt)
        self.document = try container.decode(Document.self, forKey: .document)
        self.submission = try container.decodeIfPresent(JSONValue.self, forKey: .submission) ?? .null
        self.lease = try container.decodeIfPresent(Lease.self, forKey: .lease)
        self.checks = try container.decode([Check].self, forKey: .checks)
        self.proposal = try container.decodeIfPresent(Proposal.self, forKey: .proposal)
        self.decision = try container.decodeIfPresent(Decision.self, forKey: .decision)
        self.emails = try container.decode([Email].self, forKey: .emails)
        self.history = try container.decode([EarlierApplication].self, forKey: .history)
        self.audit = try container.decode([AuditEntry].self, forKey: .audit)
        self.personalDataErasedAt = try container.decodeIfPresent(String.self, forKey: .personalDataErasedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.accountID, forKey: .accountID)
        try container.encode(self.status, forKey: .status)
        try container.encode(self.submittedAt, forKey: .submittedAt)
        try container.encode(self.sessionStartedAt, forKey: .sessionStartedAt)
        try container.encode(self.receivedAt, forKey: .receivedAt)
        try container.encode(self.document, forKey: .document)
        try container.encode(self.submission, forKey: .submission)
        try container.encode(self.lease, forKey: .lease)
        try container.encode(self.checks, forKey: .checks)
        try container.encode(self.proposal, forKey: .proposal)
        try container.encode(self.decision, forKey: .decision)
        try container.encode(self.emails, forKey: .emails)
        try container.encode(self.history, forKey: .history)
        try container.encode(self.audit, forKey: .audit)
        try container.encode(self.personalDataErasedAt, forKey: .personalDataErasedAt)
    }
}
