public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Files only their owner may read (keyrings, subject exports), written so that no other user can ever
/// open them: created with mode 0600 under a temporary name in the same folder, written, flushed to disk,
/// then renamed over the target. At no moment does the file, under either name, have group or other bits,
/// whatever the umask; the target is either the old file or the whole new one.
public enum PrivateFile {
    /// Writes `data` to `path` (replacing it) with mode 0600 from the file's creation, atomically.
    public static func write(_ data: Data, to path: String) throws(PrivateFileError) {
        try self.write(data, to: path, observing: { _ in })
    }

    /// As `write(_:to:)`; `observe` sees the path of the file on disk after each step (created, written,
    /// renamed), so that tests can look at it at every moment another process could.
    static func write(_ data: Data, to path: String, observing observe: (String) -> Void) throws(PrivateFileError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<100 {
            temporary = folder + "/." + name + "." + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".tmp"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if descriptor >= 0 || (errno != EEXIST && errno != EINTR) { break }
        }
        guard descriptor >= 0 else { throw PrivateFileError(step: "create", path: path, errno: errno) }
        var finished = false
        defer {
            if !finished { unlink(temporary) }
        }
        observe(temporary)
        do {
            defer { close(descriptor) }
            // The umask can only take bits away; this gives the owner back read and write if it took those.
            guard fchmod(descriptor, 0o600) == 0 else { throw PrivateFileError(step: "chmod", path: path, errno: errno) }
            let failure = data.withUnsafeBytes { writeAll(descriptor, $0) }
            if let failure { throw PrivateFileError(step: "write", path: path, errno: failure) }
            guard fsync(descriptor) == 0 else { throw PrivateFileError(step: "fsync", path: path, errno: errno) }
        }
        observe(temporary)
        guard rename(temporary, path) == 0 else { throw PrivateFileError(step: "rename", path: path, errno: errno) }
        finished = true
        observe(path)
        // The rename itself reaches the disk with the folder's entry.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}

/// Writes every byte, again after a signal or a partial write; the `errno` of a failure, nil when all is written.
private func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return nil
}

/// A private file that could not be written: which step failed, on which path, and the system's error.
public struct PrivateFileError: Error, Sendable, CustomStringConvertible {
    /// The step that failed: create, chmod, write, fsync or rename.
    public var step: String
    /// The file that was to be written.
    public var path: String
    /// The `errno` of the failed call.
    public var errno: Int32

    public var description: String {
        "cannot write \(self.path) (\(self.step): \(String(cString: strerror(self.errno))))"
    }
}
