public import Foundation
public import KYCPostgres
public import KYCVault

/// Reading applications for people: the `show` view of CONTRACT §4.
public struct Applications: Sendable {
    public init() {}

    /// The application as one JSON object (id, account_id, status, submitted_at, checks, decision, emails,
    /// audit), or `.notFound`.
    ///
    /// Identifiers (document number, MRZ) are masked unless `reveal`, which only a reviewer may ask for and
    /// which the audit trail records; sealed identifiers are then opened with `vault`.
    public func view(
        _ id: Int64,
        reveal: Bool = false,
        vault: IdentifierVault? = nil,
        on connection: PostgresConnection
    ) async throws(StoreError) -> String {
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
        return reveal ? try Self.revealing(text, id: id, vault: vault) : text
    }

    /// Puts the identifiers the reveal handed out into the view's submission.document, opened if sealed.
    static func revealing(_ text: String, id: Int64, vault: IdentifierVault?) throws(StoreError) -> String {
        guard var view = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
            let handed = view.removeValue(forKey: "identifiers") as? [String: Any],
            var submission = view["submission"] as? [String: Any],
            var document = submission["document"] as? [String: Any]
        else { throw StoreError(code: .unexpected, context: "revealed view of application \(id)") }
        if let number = handed["number"] as? String {
            document["number"] = number
            document["mrz"] = handed["mrz"] ?? NSNull()
        } else if let sealed = handed["sealed"] as? String, let version = handed["key_version"] as? Int {
            guard let vault else {
                throw StoreError(code: .refused, message: "revealing sealed identifiers needs the keyring (KYC_KEYRING_FILE)")
            }
            do {
                let identifiers = try vault.open(
                    SealedIdentifiers(keyVersion: version, base64: sealed),
                    applicationID: id
                )
                document["number"] = identifiers.number
                document["mrz"] = identifiers.mrz ?? NSNull()
            } catch {
                throw StoreError(code: .refused, message: error.description)
            }
        } else {
            document["number"] = NSNull()
            document["mrz"] = NSNull()
        }
        submission["document"] = document
        view["submission"] = submission
        guard let data = try? JSONSerialization.data(withJSONObject: view, options: [.sortedKeys]) else {
            throw StoreError(code: .unexpected, context: "revealed view of application \(id)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
