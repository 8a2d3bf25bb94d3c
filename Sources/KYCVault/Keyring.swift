import Crypto
import Foundation

/// The master keys that seal document identifiers at rest, by version. The highest version seals new
/// rows; every version opens what it sealed, so rows move to a new key in batches while the daemon runs.
///
/// The keyring file holds one key per line, `<version> <base64 of 32 random bytes>`; blank lines and
/// lines starting with `#` are ignored. It is read from a file or a systemd credential, never from SQL
/// text, the environment or the command line.
public struct Keyring: Sendable {
    /// One version's keys, derived from its master key with HKDF: one to seal, one to fingerprint.
    struct Entry: Sendable {
        var sealingKey: SymmetricKey
        var fingerprintKey: SymmetricKey
    }

    private let entries: [Int: Entry]
    /// The version that seals new rows: the highest in the file.
    public let currentVersion: Int

    /// Every version the keyring holds, oldest first.
    public var versions: [Int] { self.entries.keys.sorted() }

    /// A keyring of `masterKeys` (version → 32 bytes).
    public init(masterKeys: [Int: [UInt8]]) throws(KeyringError) {
        guard let current = masterKeys.keys.max() else { throw KeyringError(problem: "the keyring holds no key") }
        var entries: [Int: Entry] = [:]
        for (version, bytes) in masterKeys {
            guard version > 0 else { throw KeyringError(problem: "key versions start at 1", line: nil) }
            guard bytes.count == 32 else {
                throw KeyringError(problem: "key version \(version) is not 32 bytes (256 bits)")
            }
            let master = SymmetricKey(data: bytes)
            entries[version] = Entry(
                sealingKey: Self.derive(master, purpose: "seal"),
                fingerprintKey: Self.derive(master, purpose: "fingerprint")
            )
        }
        self.entries = entries
        self.currentVersion = current
    }

    /// Parses the keyring file's text. Errors name the line, never a key.
    public init(fileText: String) throws(KeyringError) {
        var keys: [Int: [UInt8]] = [:]
        for (index, rawLine) in fileText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let version = Int(fields[0]), let data = Data(base64Encoded: String(fields[1]))
            else {
                throw KeyringError(problem: "expected `<version> <base64 key>`", line: index + 1)
            }
            guard keys[version] == nil else { throw KeyringError(problem: "key version \(version) appears twice", line: index + 1) }
            keys[version] = Array(data)
        }
        try self.init(masterKeys: keys)
    }

    /// Reads a keyring file.
    public static func load(path: String) throws(KeyringError) -> Keyring {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyringError(problem: "cannot read the keyring file \(path)")
        }
        return try Keyring(fileText: String(decoding: data, as: UTF8.self))
    }

    /// A line for a keyring file holding a new random master key of `version`.
    public static func newKeyLine(version: Int) -> String {
        let key = SymmetricKey(size: .bits256)
        let base64 = key.withUnsafeBytes { Data($0).base64EncodedString() }
        return "\(version) \(base64)"
    }

    func entry(_ version: Int) throws(KeyringError) -> Entry {
        guard let entry = self.entries[version] else {
            throw KeyringError(problem: "the keyring has no key version \(version)")
        }
        return entry
    }

    private static func derive(_ master: SymmetricKey, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master,
            salt: Array("kyc-review".utf8),
            info: Array("kyc-review identifiers \(purpose) v1".utf8),
            outputByteCount: 32
        )
    }
}

/// A keyring that cannot be read or used; the text names the problem and the line, never key material.
public struct KeyringError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problem: String
    public var line: Int?

    public init(problem: String, line: Int? = nil) {
        self.problem = problem
        self.line = line
    }

    public var description: String {
        if let line { return "keyring line \(line): \(self.problem)" }
        return "keyring: \(self.problem)"
    }
}
