import KYCDomain
public import KYCPostgres
public import KYCVault

/// Reading applications for people: the `show` view of CONTRACT §4.
public struct Applications: Sendable {
    public init() {}

    /// The application (id, account_id, status, submitted_at, checks, decision, emails, audit, …), or
    /// `.notFound`.
    ///
    /// Identifiers (document number, MRZ) are masked unless `reveal`, which only a reviewer may ask for and
    /// which the audit trail records; sealed identifiers are then opened with `vault`.
    public func view(
        _ id: Int64,
        reveal: Bool = false,
        vault: IdentifierVault? = nil,
        on connection: PostgresConnection
    ) async throws(StoreError) -> ApplicationView {
        let text: String?
        do {
            text = try await connection.query(
                reveal
                    ? "SELECT kyc.reveal_application($1)::text AS view" : "SELECT kyc.application_view($1)::text AS view",
                [id]
            ).single().decodeIfPresent("view")
        } catch {
            throw StoreError(error)
        }
        guard let text else { throw StoreError(code: .notFound, context: "application \(id)") }
        let context = "view of application \(id)"
        let view = try StoredJSON.decode(ApplicationView.self, from: text, context: context)
        guard reveal else { return view }
        let handed = try StoredJSON.decode(RevealedIdentifiers.self, from: text, context: context).identifiers
        return try Self.revealing(view, handed: handed, id: id, vault: vault)
    }

    /// What `kyc.reveal_application` hands out beside the view: the plaintext identifiers before their seal,
    /// or the sealed value and its key version.
    struct RevealedIdentifiers: Decodable {
        struct Handed: Decodable {
            var number: String?
            var mrz: String?
            var sealed: String?
            var keyVersion: Int?

            enum CodingKeys: String, CodingKey {
                case number, mrz, sealed
                case keyVersion = "key_version"
            }
        }

        var identifiers: Handed
    }

    /// Puts the identifiers the reveal handed out into the view's submission.document, opened if sealed.
    static func revealing(
        _ view: ApplicationView,
        handed: RevealedIdentifiers.Handed,
        id: Int64,
        vault: IdentifierVault?
    ) throws(StoreError) -> ApplicationView {
        guard case .object = view.submission, case .object? = view.submission["document"] else {
            throw StoreError(code: .unexpected, context: "revealed view of application \(id)")
        }
        let (number, mrz): (String?, String?)
        if let plain = handed.number {
            (number, mrz) = (plain, handed.mrz)
        } else if let sealed = handed.sealed, let version = handed.keyVersion {
            guard let vault else {
                throw StoreError(code: .refused, message: "revealing sealed identifiers needs the keyring (KYC_KEYRING_FILE)")
            }
            do {
                let identifiers = try vault.open(SealedIdentifiers(keyVersion: version, base64: sealed), applicationID: id)
                (number, mrz) = (identifiers.number, identifiers.mrz)
            } catch {
                throw StoreError(code: .refused, message: error.description)
            }
        } else {
            (number, mrz) = (nil, nil)
        }
        var revealed = view
        revealed.submission["document"]?["number"] = JSONValue(number)
        revealed.submission["document"]?["mrz"] = JSONValue(mrz)
        return revealed
    }
}
