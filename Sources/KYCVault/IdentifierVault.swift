import Crypto
public import Foundation

/// A document's identifiers: what is sealed at rest.
public struct DocumentIdentifiers: Sendable, Codable, Equatable {
    public var number: String
    /// The machine-readable zone, lines joined by "\n", when the document has one.
    public var mrz: String?

    public init(number: String, mrz: String?) {
        self.number = number
        self.mrz = mrz
    }
}

/// Which document a fingerprint stands for: the issuing country, the type and the number, as the
/// duplicate_document check compares them.
public struct DocumentKey: Sendable, Hashable {
    public var issuingCountry: String
    public var documentType: String
    public var number: String

    public init(issuingCountry: String, documentType: String, number: String) {
        self.issuingCountry = issuingCountry
        self.documentType = documentType
        self.number = number
    }
}

/// Identifiers sealed with one key version: AES-GCM (nonce, ciphertext and tag, combined), bound to
/// the application it belongs to, so a sealed value copied to another row does not open.
public struct SealedIdentifiers: Sendable, Equatable {
    public var keyVersion: Int
    public var combined: Data

    public init(keyVersion: Int, combined: Data) {
        self.keyVersion = keyVersion
        self.combined = combined
    }

    /// The value as the database hands it out: base64 text (`kyc.base64`). Text that is not base64 gives
    /// an empty value, which no key opens.
    public init(keyVersion: Int, base64: String) {
        self.init(keyVersion: keyVersion, combined: Data(base64Encoded: base64) ?? Data())
    }
}

/// A keyed hash (HMAC-SHA256) of a document, stored beside the sealed identifiers so that duplicates
/// are found by equality without the plaintext.
public struct DocumentFingerprint: Sendable, Hashable {
    public var keyVersion: Int
    public var bytes: Data

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: self.bytes.count * 2) { buffer in
            var index = 0
            for byte in self.bytes {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }
}

/// Seals, opens and fingerprints identifiers with a keyring.
public struct IdentifierVault: Sendable {
    public let keyring: Keyring

    public init(keyring: Keyring) {
        self.keyring = keyring
    }

    /// Seals `identifiers` of application `applicationID` with the current key.
    public func seal(_ identifiers: DocumentIdentifiers, applicationID: Int64) throws(VaultError) -> SealedIdentifiers {
        let version = self.keyring.currentVersion
        do {
            let entry = try self.keyring.entry(version)
            let plaintext = try JSONEncoder.sorted.encode(identifiers)
            let box = try AES.GCM.seal(plaintext, using: entry.sealingKey, authenticating: Self.context(applicationID))
            guard let combined = box.combined else { throw VaultError.sealingFailed(applicationID: applicationID) }
            return SealedIdentifiers(keyVersion: version, combined: combined)
        } catch let error as VaultError {
            throw error
        } catch let error as KeyringError {
            throw .keyring(error)
        } catch {
            throw .sealingFailed(applicationID: applicationID)
        }
    }

    /// Opens what `seal` made for the same application; fails if the value was altered, moved to another
    /// application, or sealed with a key the keyring does not hold.
    public func open(_ sealed: SealedIdentifiers, applicationID: Int64) throws(VaultError) -> DocumentIdentifiers {
        do {
            let entry = try self.keyring.entry(sealed.keyVersion)
            let box = try AES.GCM.SealedBox(combined: sealed.combined)
            let plaintext = try AES.GCM.open(box, using: entry.sealingKey, authenticating: Self.context(applicationID))
            return try JSONDecoder().decode(DocumentIdentifiers.self, from: plaintext)
        } catch let error as KeyringError {
            throw .keyring(error)
        } catch {
            throw .openingFailed(applicationID: applicationID, keyVersion: sealed.keyVersion)
        }
    }

    /// The document's fingerprint under the current key.
    public func fingerprint(_ document: DocumentKey) -> DocumentFingerprint {
        // The current version is always in the keyring.
        (try? self.fingerprint(document, keyVersion: self.keyring.currentVersion))!
    }

    /// The document's fingerprint under every key the keyring holds: what the duplicate check compares
    /// with while rows are moving from one key to the next.
    public func fingerprints(_ document: DocumentKey) -> [DocumentFingerprint] {
        self.keyring.versions.compactMap { try? self.fingerprint(document, keyVersion: $0) }
    }

    func fingerprint(_ document: DocumentKey, keyVersion: Int) throws(KeyringError) -> DocumentFingerprint {
        let entry = try self.keyring.entry(keyVersion)
        // The unit separator cannot occur in a country code or type, so no two documents share an input.
        let input = "\(document.issuingCountry)\u{1F}\(document.documentType)\u{1F}\(document.number)"
        let code = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: entry.fingerprintKey)
        return DocumentFingerprint(keyVersion: keyVersion, bytes: Data(code))
    }

    static func context(_ applicationID: Int64) -> Data {
        Data("kyc-review application \(applicationID)".utf8)
    }
}

/// A sealing or opening that failed; names the application and key version, never the identifiers.
public enum VaultError: Error, Sendable, Equatable, CustomStringConvertible {
    case keyring(KeyringError)
    case sealingFailed(applicationID: Int64)
    case openingFailed(applicationID: Int64, keyVersion: Int)

    public var description: String {
        switch self {
        case .keyring(let error): error.description
        case .sealingFailed(let id): "application \(id): the identifiers could not be sealed"
        case .openingFailed(let id, let version):
            "application \(id): the sealed identifiers do not open with key version \(version) (altered, moved, or another key)"
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
