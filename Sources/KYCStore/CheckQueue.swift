public import Foundation
public import KYCDomain
public import KYCPostgres
public import KYCVault

/// An application claimed for checking, with the facts its checks need.
public struct ClaimedApplication: Sendable {
    public var id: Int64
    /// The stored submission document, as JSON text.
    public var payload: String
    public var submittedAt: Date
    /// When intake received it (what attempts count by); the submitted time where a query does not say.
    public var receivedAt: Date
    public var sessionStartedAt: Date
    public var history: AttemptHistory
    /// The document's number and MRZ, which the stored document no longer holds (they are sealed or
    /// awaiting their seal apart from it); nil when they could not be read.
    public var identifiers: DocumentIdentifiers?
}

extension ClaimedApplication {
    /// Reads the columns every claim and replay query returns: the id (named `idColumn`), `payload`,
    /// `submitted_at`, `session_started_at`, `earlier_submissions` and `recent_denials` as text, and
    /// `duplicate_documents`. A value that cannot be read (a timestamp PostgreSQL stores and no instant
    /// represents, `infinity`) makes this one application unevaluable, naming the column, never the value.
    init(row: PostgresRow, idColumn: String, identifiers: DocumentIdentifiers?) throws(Unevaluable) {
        func column<Value>(_ name: String, _ read: () throws(PostgresError) -> Value) throws(Unevaluable) -> Value {
            do {
                return try read()
            } catch {
                throw Unevaluable("\(name) could not be read")
            }
        }
        self.init(
            id: try column(idColumn) { () throws(PostgresError) in try row.decode(idColumn) },
            payload: try column("payload") { () throws(PostgresError) in try row.decode("payload") },
            submittedAt: try column("submitted_at") { () throws(PostgresError) in try row.decode("submitted_at") },
            receivedAt: try column("received_at") { () throws(PostgresError) in
                try row.columns.contains("received_at") ? row.decode("received_at") : row.decode("submitted_at")
            },
            sessionStartedAt: try column("session_started_at") { () throws(PostgresError) in
                try row.decode("session_started_at")
            },
            history: AttemptHistory(
                earlierSubmissions: try column("earlier_submissions") { () throws(PostgresError) in
                    try CheckQueue.timestamps(row.decode("earlier_submissions"))
                },
                recentDenials: try column("recent_denials") { () throws(PostgresError) in
                    try CheckQueue.timestamps(row.decode("recent_denials"))
                },
                duplicateDocuments: try column("duplicate_documents") { () throws(PostgresError) in
                    try row.decode("duplicate_documents")
                }
            ),
            identifiers: identifiers
        )
    }

    /// The application as the checks take it, or nil when they cannot evaluate it.
    public func underCheck() -> ApplicationUnderCheck? {
        try? self.evaluable()
    }

    /// The application as the checks take it; throws, with the reason, when the stored document cannot be
    /// read or a time lies outside what the checks reason about (`ApplicationUnderCheck.requireEvaluable`).
    public func evaluable() throws(Unevaluable) -> ApplicationUnderCheck {
        let application = ApplicationUnderCheck(
            id: self.id,
            submission: try self.submission(),
            sessionStartedAt: self.sessionStartedAt,
            submittedAt: self.submittedAt,
            receivedAt: self.receivedAt,
            history: self.history
        )
        try application.requireEvaluable()
        return application
    }

    /// The stored document read with the identifiers put back where the capture front end sent them
    /// (given to the decoder, so the document is parsed once).
    func submission() throws(Unevaluable) -> Submission {
        let decoder = JSONDecoder()
        if let identifiers = self.identifiers {
            decoder.userInfo[Submission.StoredIdentifiers.userInfoKey] = Submission.StoredIdentifiers(
                number: identifiers.number,
                mrz: identifiers.mrz
            )
        }
        do {
            return try decoder.decode(Submission.self, from: Data(self.payload.utf8))
        } catch let error as DecodingError {
            throw Unevaluable("the stored submission could not be read: " + Self.describe(error))
        } catch {
            throw Unevaluable("the stored submission could not be read")
        }
    }

    /// Where and how the document failed to decode (`document.images[0].width: wrong type`): the coding path
    /// holds only the submission's own field names and indices, never a value. The decoder's own
    /// description, which may quote one, is left out.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "the document" : text
        }
        switch error {
        case .typeMismatch(_, let context): return "\(path(context.codingPath)): wrong type"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)): null"
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): unreadable"
        @unknown default: return "the document: unreadable"
        }
    }
}

/// The result of checking one application, as the check worker records it.
public struct CheckedApplication: Sendable {
    public var id: Int64
    public var results: [CheckResult]
    public var verdict: Verdict
    /// The policy version the checks applied.
    public var policyVersion: Int
    /// The duplicate-document count the checks saw, kept for replay.
    public var duplicateDocuments: Int

    /// Why the checks could not evaluate it (which field, never its value); nil when they did. Such an
    /// application goes to review on its own, every check referred with the reason, and the reason is audited
    /// (`unevaluable`); no policy version is recorded for it.
    public var unevaluable: String?

    public init(
        id: Int64,
        results: [CheckResult],
        verdict: Verdict,
        policyVersion: Int,
        duplicateDocuments: Int,
        unevaluable: String? = nil
    ) {
        self.id = id
        self.results = results
        self.verdict = verdict
        self.policyVersion = policyVersion
        self.duplicateDocuments = duplicateDocuments
        self.unevaluable = unevaluable
    }

    /// An application the checks could not evaluate: to review, every check referred with the reason.
    public static func unevaluable(
        id: Int64,
        _ problem: Unevaluable,
        duplicateDocuments: Int = 0
    ) -> CheckedApplication {
        CheckedApplication(
            id: id,
            results: CheckName.allCases.map { CheckResult.refer($0, "not evaluated: \(problem.reason)") },
            verdict: .review,
            policyVersion: 0,
            duplicateDocuments: duplicateDocuments,
            unevaluable: problem.reason
        )
    }
}

/// The queue of submitted applications. A batch is claimed as a lease (committed on its own, attempts
/// counted), checked, and recorded by the lease holder: checks, decisions, outbox emails and audit entries
/// in one transaction. A crash between the two leaves leases that run out; another instance rescues those
/// applications, and one whose checks keep failing is parked to review rather than stopping the queue.
public struct CheckQueue: Sendable {
    /// Who holds the leases: one value per running daemon instance.
    public let instance: String
    /// How long a claim is held before another instance may rescue it.
    public let lease: Duration

    public init(instance: String, lease: Duration = .seconds(60)) {
        self.instance = instance
        self.lease = lease
    }

    /// What one batch did.
    public struct BatchResult: Sendable, Equatable {
        public var claimed: Int
        public var recorded: Int
        /// The applications the checks could not evaluate, routed to review on their own, with the reason.
        public var unevaluable: [Int64: String]

        public init(claimed: Int, recorded: Int, unevaluable: [Int64: String] = [:]) {
            self.claimed = claimed
            self.recorded = recorded
            self.unevaluable = unevaluable
        }
    }

    /// Claims up to `limit` applications, lets `check` decide them, and records the results the lease
    /// still covers. With a `vault`, duplicates are found by fingerprint under every key version and the
    /// identifiers are sealed in the results' transaction; without one they stay awaiting their seal
    /// (`kyc-review keys rotate` seals them later) and duplicates are found by plaintext only. A row that
    /// cannot be read is not given to `check`: it is recorded as unevaluable, on its own, in the same write as
    /// the others' results, so that no stored value can fail a batch.
    public func processBatch(
        limit: Int,
        on connection: PostgresConnection,
        vault: IdentifierVault? = nil,
        check: @Sendable ([ClaimedApplication]) async -> [CheckedApplication]
    ) async throws(StoreError) -> BatchResult {
        do {
            let rows = try await connection.query(
                """
                SELECT application_id, payload::text AS payload, submitted_at, received_at, session_started_at,
                       earlier_submissions::text AS earlier_submissions,
                       recent_denials::text AS recent_denials, 0 AS duplicate_documents,
                       issuing_country, document_type, document_number, mrz
                FROM kyc.claim_identified($1, $2, $3)
                """,
                [limit, Int(self.lease.components.seconds), self.instance]
            )
            guard !rows.isEmpty else { return BatchResult(claimed: 0, recorded: 0) }
            var claimed: [ClaimedApplication] = []
            var unreadable: [(id: Int64, problem: Unevaluable)] = []
            var sealRequests: [SealRequest] = []
            var documents: [Int64: DocumentKey] = [:]
            for row in rows {
                let id: Int64 = try row.decode("application_id")
                let number: String? = try row.decodeIfPresent("document_number")
                let identifiers = try number.map { number throws(PostgresError) in
                    DocumentIdentifiers(number: number, mrz: try row.decodeIfPresent("mrz"))
                }
                if let number, let identifiers {
                    let document = DocumentKey(
                        issuingCountry: try row.decode("issuing_country"),
                        documentType: try row.decode("document_type"),
                        number: number
                    )
                    documents[id] = document
                    sealRequests.append(SealRequest(applicationID: id, identifiers: identifiers, document: document))
                }
                do {
                    claimed.append(
                        try ClaimedApplication(row: row, idColumn: "application_id", identifiers: identifiers)
                    )
                } catch {
                    unreadable.append((id, error))
                }
            }
            let ids = claimed.map(\.id) + unreadable.map(\.id)
            let duplicates = try await self.countDuplicates(ids, documents, vault, on: connection)
            for index in claimed.indices {
                claimed[index].history.duplicateDocuments = duplicates[claimed[index].id] ?? 0
            }
            let unevaluable = unreadable.map { row in
                CheckedApplication.unevaluable(id: row.id, row.problem, duplicateDocuments: duplicates[row.id] ?? 0)
            }
            let checked = await check(claimed) + unevaluable
            let seals = try Self.seals(sealRequests, vault: vault)
            let recorded: Int = try await connection.query(
                "SELECT kyc.record_checked($1::jsonb, $2, $3::jsonb) AS recorded",
                [ResultDocument.encode(checked), self.instance, seals]
            ).single().decode("recorded")
            var reasons: [Int64: String] = [:]
            for application in checked {
                if let reason = application.unevaluable { reasons[application.id] = reason }
            }
            return BatchResult(claimed: rows.count, recorded: recorded, unevaluable: reasons)
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresError {
            throw StoreError(error)
        } catch {
            throw StoreError(code: .unexpected, context: "\(error)")
        }
    }

    private func countDuplicates(
        _ ids: [Int64],
        _ documents: [Int64: DocumentKey],
        _ vault: IdentifierVault?,
        on connection: PostgresConnection
    ) async throws -> [Int64: Int] {
        struct Entry: Encodable {
            var application_id: Int64
            var fingerprints: [String]
        }
        let entries = ids.map { id in
            Entry(
                application_id: id,
                fingerprints: documents[id].map { document in vault?.fingerprints(document).map(\.hex) ?? [] } ?? []
            )
        }
        let rows = try await connection.query(
            "SELECT application_id, duplicates FROM kyc.count_duplicate_documents($1::jsonb)",
            [String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)]
        )
        var counts: [Int64: Int] = [:]
        for row in rows { counts[try row.decode("application_id")] = try row.decode("duplicates") }
        return counts
    }

    /// One row to seal: its identifiers, the document they fingerprint, and (for a rotation) the key
    /// version the row must still be at.
    struct SealRequest {
        var applicationID: Int64
        var identifiers: DocumentIdentifiers
        var document: DocumentKey
        var expectedVersion: Int?
    }

    /// The sealed identifiers and fingerprints `kyc.seal_identifiers` stores, as its JSON document.
    static func seals(_ requests: [SealRequest], vault: IdentifierVault?) throws -> String {
        struct Seal: Encodable {
            var application_id: Int64
            var key_version: Int
            var sealed: String
            var fingerprint: String
            var expected_version: Int?
        }
        guard let vault else { return "[]" }
        let seals = try requests.map { request in
            let sealed = try vault.seal(request.identifiers, applicationID: request.applicationID)
            return Seal(
                application_id: request.applicationID,
                key_version: sealed.keyVersion,
                sealed: sealed.combined.base64EncodedString(),
                fingerprint: vault.fingerprint(request.document).hex,
                expected_version: request.expectedVersion
            )
        }
        return String(decoding: try JSONEncoder().encode(seals), as: UTF8.self)
    }

    /// Parses a `timestamptz[]` in text form: `{"2026-11-26 10:00:00+00","0001-12-31 10:00:00+00 BC",…}`;
    /// throws for an element no instant represents (`infinity`) as `Date(postgresTimestamp:)` does.
    static func timestamps(_ text: String) throws(PostgresError) -> [Date] {
        let inner = text.dropFirst().dropLast()
        guard !inner.isEmpty else { return [] }
        return try inner.split(separator: ",").map { element throws(PostgresError) in
            try Date(postgresTimestamp: element.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        }
    }
}

/// The JSON document `kyc.record_automated_results` reads: [{application_id, checks: [{name, outcome,
/// reason_code, evidence}], outcome, reason_code, attempts_remaining, retry_after, policy_version,
/// duplicate_documents, unevaluable}]; `unevaluable` (the reason) only for an application the checks could
/// not evaluate, whose policy_version is null. Written by hand into one buffer: it is on every batch's path,
/// and the generic encoder cost more than the checks themselves (issue 8's profile).
enum ResultDocument {
    static func encode(_ checked: [CheckedApplication]) -> String {
        var json: [UInt8] = []
        json.reserveCapacity(checked.count * 1_200)
        json.append(UInt8(ascii: "["))
        for (index, application) in checked.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: #"{"application_id":"#.utf8)
            json.append(contentsOf: String(application.id).utf8)
            json.append(contentsOf: #","checks":["#.utf8)
            for (position, result) in application.results.enumerated() {
                if position > 0 { json.append(UInt8(ascii: ",")) }
                json.append(contentsOf: #"{"name":"#.utf8)
                Self.appendString(result.name.rawValue, to: &json)
                json.append(contentsOf: #","outcome":"#.utf8)
                Self.appendString(result.outcome.rawValue, to: &json)
                if let reason = result.reason {
                    json.append(contentsOf: #","reason_code":"#.utf8)
                    Self.appendString(reason.rawValue, to: &json)
                }
                json.append(contentsOf: #","evidence":"#.utf8)
                Self.appendString(result.evidence, to: &json)
                json.append(UInt8(ascii: "}"))
            }
            json.append(contentsOf: #"],"outcome":"#.utf8)
            switch application.verdict {
            case .approve:
                json.append(contentsOf: #""approved""#.utf8)
            case .review:
                json.append(contentsOf: #""in_review""#.utf8)
            case .deny(let reason, let retry):
                json.append(contentsOf: #""denied","reason_code":"#.utf8)
                Self.appendString(reason.rawValue, to: &json)
                switch retry {
                case .attemptsRemaining(let count):
                    json.append(contentsOf: #","attempts_remaining":"#.utf8)
                    json.append(contentsOf: String(count).utf8)
                case .after(let date):
                    if let text = date.postgresText {
                        json.append(contentsOf: #","retry_after":"#.utf8)
                        Self.appendString(text, to: &json)
                    }
                case .final:
                    break
                }
            }
            json.append(contentsOf: #","policy_version":"#.utf8)
            if let reason = application.unevaluable {
                json.append(contentsOf: #"null,"unevaluable":"#.utf8)
                Self.appendString(reason, to: &json)
            } else {
                json.append(contentsOf: String(application.policyVersion).utf8)
            }
            json.append(contentsOf: #","duplicate_documents":"#.utf8)
            json.append(contentsOf: String(application.duplicateDocuments).utf8)
            json.append(UInt8(ascii: "}"))
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }

    /// A JSON string literal (RFC 8259): quote, backslash and control characters escaped, everything else
    /// as its UTF-8.
    static func appendString(_ string: String, to json: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        json.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                json.append(hex[Int(byte >> 4)])
                json.append(hex[Int(byte & 0x0F)])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
