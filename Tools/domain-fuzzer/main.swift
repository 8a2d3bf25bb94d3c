// libFuzzer harnesses for what must never crash on any input (issue 9): the MRZ parsers, and the daemon's
// path for a stored submission document (decode, then every check and the verdict). Built by
// `make fuzz` with -sanitize=fuzzer,address; each input that crashes is kept as a regression case.
//
//   KYC_FUZZ_TARGET=mrz|submission domain-fuzzer [libFuzzer options] [corpus…]
import Foundation
import KYCDomain

let target = ProcessInfo.processInfo.environment["KYC_FUZZ_TARGET"] ?? "mrz"
let suite = CheckSuite()
let now = Date(timeIntervalSince1970: 1_795_687_770)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch target {
    case "submission":
        guard let submission = try? JSONDecoder().decode(Submission.self, from: Data(bytes)) else { return 0 }
        let application = ApplicationUnderCheck(
            id: 1, submission: submission, sessionStartedAt: now.addingTimeInterval(-600), submittedAt: now,
            history: AttemptHistory(earlierSubmissions: [], recentDenials: [], duplicateDocuments: 0)
        )
        let results = suite.run(application)
        _ = Verdict.of(results, application: application, decidedAt: now, policy: suite.policy)
    default:
        let zone = String(decoding: bytes, as: UTF8.self)
        _ = try? MRZ.parseTD3(zone)
        _ = try? MRZ.parseTD1(zone)
    }
    return 0
}

#if FUZZING
// SwiftPM links an executable's entry point under its own name; libFuzzer's driver takes over from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("domain_fuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
#endif
