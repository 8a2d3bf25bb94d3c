/// One case in review, as `queue` lists it: oldest first, with why the checks referred it and who holds it.
///
/// Times are as the database writes them in JSON (RFC 3339 with the session's offset), so that every reader
/// sees the same text. It encodes to the keys of `kyc-review queue --format json`, nulls included.
public struct QueueEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var accountID: String
    public var submittedAt: String
    /// When the case entered review.
    public var inReviewSince: String
    /// How long the case has waited in review, in whole seconds.
    public var ageSeconds: Int
    /// The reviewer holding a live lease on the case; nil when none does.
    public var leaseHolder: String?
    /// When that lease runs out; nil when no live lease.
    public var leaseExpiresAt: String?
    /// The checks that referred the case, by name, sorted.
    public var refer: [String]

    enum CodingKeys: String, CodingKey {
        case id, refer
        case accountID = "account_id"
        case submittedAt = "submitted_at"
        case inReviewSince = "in_review_since"
        case ageSeconds = "age_seconds"
        case leaseHolder = "lease_holder"
        case leaseExpiresAt = "lease_expires_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.accountID, forKey: .accountID)
        try container.encode(self.submittedAt, forKey: .submittedAt)
        try container.encode(self.inReviewSince, forKey: .inReviewSince)
        try container.encode(self.ageSeconds, forKey: .ageSeconds)
        try container.encode(self.leaseHolder, forKey: .leaseHolder)
        try container.encode(self.leaseExpiresAt, forKey: .leaseExpiresAt)
        try container.encode(self.refer, forKey: .refer)
    }
}
