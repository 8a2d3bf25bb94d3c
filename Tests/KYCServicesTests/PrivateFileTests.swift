import Foundation
import Synchronization
import Testing

@testable import KYCServices

#if canImport(Glibc)
import Glibc
#endif

/// Keyrings and subject exports are written by `PrivateFile`: no other user may ever open them, not even for
/// the moment between creating a file and changing its mode, whatever the umask.
@Suite(.serialized) struct PrivateFileTests {
    private static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-private-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        return folder.path
    }

    private static func mode(_ path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }

    /// Runs `body` with the process's umask at 0, the most permissive, and restores it.
    private static func withUmaskZero<T>(_ body: () throws -> T) rethrows -> T {
        let previous = umask(0)
        defer { umask(previous) }
        return try body()
    }

    @Test func theFileHasNoGroupOrOtherBitsAtAnyMomentEvenUnderUmaskZero() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/keyring"
        var seen: [(path: String, mode: mode_t?)] = []
        try Self.withUmaskZero {
            try PrivateFile.write(Data("1 secret\n".utf8), to: path, observing: { seen.append(($0, Self.mode($0))) })
        }
        #expect(seen.count == 3, "created, written, renamed")
        for (observed, mode) in seen {
            #expect(mode == 0o600, "\(observed) is \(String(mode ?? 0, radix: 8))")
        }
        #expect(seen.first?.path != path, "written under another name, then renamed")
        #expect(seen.last?.path == path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "1 secret\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keyring"], "no temporary file left")
    }

    /// Seen from outside, as another process would: every file that appears in the folder while 16 MiB are
    /// written is looked at the moment inotify reports it. Creating the file with the umask's mode and
    /// changing it afterwards (what FileManager's `createFile(atPath:contents:attributes:)` does) shows 0666
    /// for the whole write.
    @Test func noFileInTheFolderIsEverReadableByOthersWhileAKeyringIsWritten() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let watch = inotify_init1(Int32(IN_CLOEXEC))
        try #require(watch >= 0)
        defer { close(watch) }
        let events = UInt32(IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_MODIFY | IN_CLOSE_WRITE)
        try #require(inotify_add_watch(watch, folder, events) >= 0)
        let seen = Mutex<[String: Set<mode_t>]>([:])
        let finished = DispatchSemaphore(value: 0)
        let watcher = Thread {
            defer { finished.signal() }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                var pollfd = pollfd(fd: watch, events: Int16(POLLIN), revents: 0)
                guard poll(&pollfd, 1, 100) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(watch, $0.baseAddress, $0.count) }
                guard count > 0 else { continue }
                var offset = 0
                while offset + 16 <= count {
                    let length = buffer.withUnsafeBytes { Int($0.load(fromByteOffset: offset + 12, as: UInt32.self)) }
                    let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    offset += 16 + length
                    if name == "done" { return }
                    if let mode = Self.mode(folder + "/" + name) {
                        seen.withLock { _ = $0[name, default: []].insert(mode) }
                    }
                }
            }
        }
        watcher.start()
        let path = folder + "/keyring"
        try Self.withUmaskZero {
            try PrivateFile.write(Data(repeating: 0x41, count: 16 * 1024 * 1024), to: path)
        }
        close(open(folder + "/done", O_WRONLY | O_CREAT | O_EXCL, 0o600))  // tells the watcher to stop
        finished.wait()
        let observed = seen.withLock { $0 }
        #expect(observed.keys.contains { $0 != "keyring" }, "the watcher saw the file under its temporary name")
        for (name, modes) in observed {
            #expect(modes.allSatisfy { $0 & 0o077 == 0 }, "\(name) was \(modes.map { String($0, radix: 8) })")
        }
    }

    @Test func replacesAReadableFileWithAPrivateOne() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/export.json"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
        try Self.withUmaskZero { try PrivateFile.write(Data("new".utf8), to: path) }
        #expect(Self.mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
    }

    @Test func aFolderThatCannotBeWrittenFailsWithTheStepAndLeavesNothing() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = folder + "/no-such-folder/keyring"
        #expect(throws: PrivateFileError.self) { try PrivateFile.write(Data("x".utf8), to: missing) }
        do {
            try PrivateFile.write(Data("x".utf8), to: missing)
        } catch {
            #expect(error.step == "create")
            #expect(error.description.contains("No such file or directory"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
