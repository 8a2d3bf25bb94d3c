import Foundation
import KYCVault
import Testing

@Suite struct IdentifierVaultTests {
    static let keyOne = [UInt8](repeating: 1, count: 32)
    static let keyTwo = [UInt8](repeating: 2, count: 32)
    let identifiers = DocumentIdentifiers(number: "L898902C3", mrz: "P<GBRLOVELACE<<ADA\nL898902C36GBR")
    let document = DocumentKey(issuingCountry: "GB", documentType: "passport", number: "L898902C3")

    @Test func sealedIdentifiersOpenForTheirOwnApplication() throws {
        let vault = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne]))
        let sealed = try vault.seal(self.identifiers, applicationID: 42)
        #expect(sealed.keyVersion == 1)
        #expect(try vault.open(sealed, applicationID: 42) == self.identifiers)
    }

    @Test func sealedValueHoldsNoPlaintext() throws {
        let vault = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne]))
        let sealed = try vault.seal(self.identifiers, applicationID: 42)
        #expect(sealed.combined.range(of: Data("L898902C3".utf8)) == nil)
        #expect(sealed.combined.range(of: Data("LOVELACE".utf8)) == nil)
    }

    @Test func sealingTwiceGivesDifferentCiphertexts() throws {
        let vault = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne]))
        #expect(try vault.seal(self.identifiers, applicationID: 42) != vault.seal(self.identifiers, applicationID: 42))
    }

    @Test func aSealedValueMovedToAnotherApplicationDoesNotOpen() throws {
        let vault = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne]))
        let sealed = try vault.seal(self.identifiers, applicationID: 42)
        #expect(throws: VaultError.openingFailed(applicationID: 43, keyVersion: 1)) {
            try vault.open(sealed, applicationID: 43)
        }
    }

    @Test func anAlteredSealedValueDoesNotOpen() throws {
        let vault = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne]))
        var sealed = try vault.seal(self.identifiers, applicationID: 42)
        sealed.combined[20] ^= 0x01
        #expect(throws: VaultError.self) { try vault.open(sealed, applicationID: 42) }
    }

    @Test func theNewestKeySealsAndOlderKeysStillOpen() throws {
        let old = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne]))
        let rotated = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne, 2: Self.keyTwo]))
        let sealedBefore = try old.seal(self.identifiers, applicationID: 7)
        #expect(try rotated.open(sealedBefore, applicationID: 7) == self.identifiers)
        #expect(try rotated.seal(self.identifiers, applicationID: 7).keyVersion == 2)
    }

    @Test func aKeyringWithoutTheSealingVersionRefusesToOpen() throws {
        let newOnly = IdentifierVault(keyring: try Keyring(masterKeys: [2: Self.keyTwo]))
        let sealed = try IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne])).seal(self.identifiers, applicationID: 7)
        #expect(throws: VaultError.keyring(KeyringError(problem: "the keyring has no key version 1"))) {
            try newOnly.open(sealed, applicationID: 7)
        }
    }

    @Test func fingerprintsMatchByDocumentAndDifferByKey() throws {
        let vault = IdentifierVault(keyring: try Keyring(masterKeys: [1: Self.keyOne, 2: Self.keyTwo]))
        let same = DocumentKey(issuingCountry: "GB", documentType: "passport", number: "L898902C3")
        let otherCountry = DocumentKey(issuingCountry: "IE", documentType: "passport", number: "L898902C3")
        #expect(vault.fingerprint(self.document) == vault.fingerprint(same))
        #expect(vault.fingerprint(self.document) != vault.fingerprint(otherCountry))
        let all = vault.fingerprints(self.document)
        #expect(all.map(\.keyVersion) == [1, 2])
        #expect(all[0].bytes != all[1].bytes)
        #expect(vault.fingerprint(self.document).hex.count == 64)
    }

    @Test func keyringFileParsesVersionsAndIgnoresComments() throws {
        let text = """
            # kyc-review keyring
            \(Keyring.newKeyLine(version: 1))

            \(Keyring.newKeyLine(version: 3))
            """
        let keyring = try Keyring(fileText: text)
        #expect(keyring.versions == [1, 3])
        #expect(keyring.currentVersion == 3)
    }

    @Test(arguments: [
        ("", "keyring: the keyring holds no key"),
        ("1 not-base64!", "keyring line 1: expected `<version> <base64 key>`"),
        ("1 AAAA", "keyring: key version 1 is not 32 bytes (256 bits)"),
        ("1 \(Data(keyOne).base64EncodedString())\n1 \(Data(keyTwo).base64EncodedString())",
         "keyring line 2: key version 1 appears twice"),
    ])
    func malformedKeyringsAreRefusedWithoutShowingKeys(text: String, message: String) {
        #expect(throws: KeyringError.self) { try Keyring(fileText: text) }
        do {
            _ = try Keyring(fileText: text)
        } catch {
            #expect(error.description == message)
        }
    }
}
