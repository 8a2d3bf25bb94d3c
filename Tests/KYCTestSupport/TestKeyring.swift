import Foundation
public import KYCVault

/// A keyring for the tests, written once per test process to a file of its own (for the programs the
/// tests start) and held as a vault (for the services they run in process).
public enum TestKeyring {
    /// The file, mode 0600, holding versions 1 and 2 (2 seals).
    public static let file: String = {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("kyc-test-keyring-\(UUID().uuidString.prefix(8))").path
        let text = "# test keyring\n\(Keyring.newKeyLine(version: 1))\n\(Keyring.newKeyLine(version: 2))\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { fatalError("cannot write the test keyring at \(path)") }
        return path
    }()

    /// The vault over `file`.
    public static let vault: IdentifierVault = IdentifierVault(keyring: try! Keyring.load(path: file))

    /// A vault with only the file's first version: the keyring as it was before a rotation.
    public static let vaultBeforeRotation: IdentifierVault = {
        let lines = (try! String(contentsOfFile: file, encoding: .utf8)).split(separator: "\n").filter { $0.hasPrefix("1 ") }
        return IdentifierVault(keyring: try! Keyring(fileText: lines.joined(separator: "\n")))
    }()
}
