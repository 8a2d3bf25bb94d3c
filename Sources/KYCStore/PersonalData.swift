import Foundation
import KYCDomain
public import KYCPostgres
public import KYCVault

/// Moves every sealed or awaiting row to the keyring's current key, in batches, each batch its own
/// transaction; safe while the daemon runs (a row changed meanwhile is left for the next pass).
public struct KeyRotation: Sendable {
    public let vault: IdentifierVault
    public let batchSize: Int

    public init(vault: IdentifierVault, batchSize: Int = 500) {
        self.vault = vault
        self.batchSize = batchSize
    }

    /// What a rotation did.
    public struct Result: Sendable, Equatable {
        /// Rows sealed for the first time (their plaintext was awaiting its seal).
        public var sealed = 0
        /// Rows moved from an older key to the current one.
        public var resealed = 0
        /// Rows read but changed by someone else before their batch was written: the next run takes them.
        public var skipped = 0
        public var batches = 0

        public init(sealed: Int = 0, resealed: Int = 0, skipped: Int = 0, batches: Int = 0) {
            self.sealed = sealed
            self.resealed = resealed
            self.skipped = skipped
            self.batches = batches
        }
    }

    public func run(on connection: PostgresConnection) async throws(StoreError) -> Result {
        var result = Result()
        var after: Int64 = 0
        do {
            while true {
                let rows = try await connection.query(
                    """
                    SELECT application_id, key_version, sealed, issuing_country, document_type, document_number, mrz
                    FROM kyc.identifiers_to_rotate($1, $2, $3)
                    """,
                    [self.vault.keyring.currentVersion, after, self.batchSize]
                )
                guard let last = rows.last else { break }
                after = try last.decode("application_id")
                var requests: [CheckQueue.SealRequest] = []
                var firstSeals = 0
                for row in rows {
                    let id: Int64 = try row.decode("application_id")
                    let identifiers: DocumentIdentifiers
                    var expectedVersion: Int?
                    if let number: String = try row.decodeIfPresent("document_number") {
                        identifiers = DocumentIdentifiers(number: number, mrz: try row.decodeIfPresent("mrz"))
                        firstSeals += 1
                    } else {
                        let version: Int = try row.decode("key_version")
                        let opened = try self.vault.open(
                            SealedIdentifiers(keyVersion: version, base64: try row.decode("sealed")), applicationID: id
                        )
                        // Sealed before numbers had one normal form: sealed and fingerprinted again in it.
                        identifiers = DocumentIdentifiers(
                            number: DocumentNumber.normalized(opened.number), mrz: opened.mrz
                        )
                        expectedVersion = version
                    }
                    let document = DocumentKey(
                        issuingCountry: try row.decode("issuing_country"),
                        documentType: try row.decode("document_type"),
                        number: identifiers.number
                    )
                    requests.append(CheckQueue.SealRequest(
                        applicationID: id, identifiers: identifiers, document: document, expectedVersion: expectedVersion
                    ))
                }
                let seals = try CheckQueue.seals(requests, vault: self.vault)
                let written: Int = try await connection.query(
                    "SELECT kyc.seal_identifiers($1::jsonb) AS n", [seals]
                ).single().decode("n")
                result.batches += 1
                result.skipped += rows.count - written
                // Which rows were skipped is not reported per row; attribute the writes to first seals first.
                let sealedNow = min(firstSeals, written)
                result.sealed += sealedNow
                result.resealed += written - sealedNow
            }
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresError {
            throw StoreError(error)
        } catch let error as VaultError {
            throw StoreError(code: .refused, message: error.description)
        } catch {
            throw StoreError(code: .unexpected, context: "\(error)")
        }
        return result
    }

    /// Rows per key version, rows awaiting their seal and erased rows, as JSON.
    public static func usage(on connection: PostgresConnection) async throws(StoreError) -> String {
        do {
            return try await connection.query("SELECT kyc.key_usage()::text AS usage").single().decode("usage")
        } catch {
            throw StoreError(error)
        }
    }
}

/// Retention, legal hold, purge and subject access: the privacy officer's functions (role kyc_privacy).
public struct PersonalData: Sendable {
    public init() {}

    /// What a purge did, or with `dryRun` would do.
    public struct PurgeResult: Sendable, Equatable {
        public var applications = 0
        public var accounts = 0
        public var batches = 0

        public init(applications: Int = 0, accounts: Int = 0, batches: Int = 0) {
            self.applications = applications
            self.accounts = accounts
            self.batches = batches
        }
    }

    /// Erases the personal data of every application past retention, `batchSize` per transaction, until
    /// none is left; with `dryRun`, only counts them.
    public func purge(batchSize: Int = 1000, dryRun: Bool, on connection: PostgresConnection) async throws(StoreError)
        -> PurgeResult
    {
        var result = PurgeResult()
        do {
            while true {
                let row = try await connection.query(
                    "SELECT applications, accounts FROM kyc.purge_personal_data($1, $2)", [batchSize, dryRun]
                ).single()
                let applications: Int = try row.decode("applications")
                result.applications += applications
                result.accounts += try row.decode("accounts", as: Int.self)
                if dryRun || applications == 0 { break }
                result.batches += 1
            }
        } catch {
            throw StoreError(error)
        }
        return result
    }

    /// The retention per outcome, as JSON.
    public func retention(on connection: PostgresConnection) async throws(StoreError) -> String {
        do {
            return try await connection.query("SELECT kyc.retention()::text AS retention").single().decode("retention")
        } catch {
            throw StoreError(error)
        }
    }

    /// Sets how many days decided applications of `outcome` (approved or denied) keep their personal data.
    public func setRetention(outcome: String, days: Int, note: String, on connection: PostgresConnection)
        async throws(StoreError)
    {
        do {
            try await connection.query(
                "SELECT kyc.set_retention($1, make_interval(days => $2), $3)", [outcome, days, note]
            )
        } catch {
            throw StoreError(error)
        }
    }

    /// Puts an account on legal hold (its data is never purged while held), or lifts the hold.
    public func setLegalHold(account: String, held: Bool, note: String, on connection: PostgresConnection)
        async throws(StoreError)
    {
        do {
            try await connection.query("SELECT kyc.set_legal_hold($1, $2, $3)", [account, held, note])
        } catch {
            throw StoreError(error)
        }
    }

    /// Everything held about one account, as JSON; sealed identifiers opened with `vault` when given.
    public func exportSubject(account: String, vault: IdentifierVault?, on connection: PostgresConnection)
        async throws(StoreError) -> String
    {
        let text: String
        do {
            text = try await connection.query("SELECT kyc.export_subject($1)::text AS export", [account]).single()
                .decode("export")
        } catch {
            throw StoreError(error)
        }
        guard var export = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
            let applications = export["applications"] as? [[String: Any]]
        else { throw StoreError(code: .unexpected, context: "subject export") }
        export["applications"] = try applications.map { application throws(StoreError) in
            var application = application
            guard let sealed = application["sealed_identifiers"] as? String,
                let version = application["key_version"] as? Int, let id = application["id"] as? Int
            else { return application }
            guard let vault else {
                application["identifiers"] = "sealed: export with the keyring (KYC_KEYRING_FILE) to include them"
                return application
            }
            do {
                let identifiers = try vault.open(
                    SealedIdentifiers(keyVersion: version, base64: sealed),
                    applicationID: Int64(id)
                )
                application["identifiers"] = ["number": identifiers.number, "mrz": identifiers.mrz ?? NSNull()] as [String: Any]
            } catch {
                throw StoreError(code: .refused, message: "\(error)")
            }
            return application
        }
        guard let data = try? JSONSerialization.data(withJSONObject: export, options: [.sortedKeys, .prettyPrinted]) else {
            throw StoreError(code: .unexpected, context: "subject export")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
