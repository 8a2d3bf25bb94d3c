import Foundation
import Testing

@testable import KYCDomain

/// CONTRACT §8: a submission dated back by up to the 24 h intake allows gains nothing.
@Suite struct ReceivedTimeTests {
    /// Expired between the claimed submission time and intake's receipt: denied, as without the backdating.
    @Test func aDocumentExpiredWhenIntakeReceivedItIsExpiredWhateverTheClaimedTime() {
        let application = exampleApplication { submission, application in
            submission.document.expiryDate = CalendarDate(iso: "2026-11-26")!
            application.receivedAt = application.submittedAt.addingTimeInterval(23 * 3600 + 50 * 60)
        }
        let results = CheckSuite().run(application)
        #expect(results.first { $0.name == .documentExpiry }?.outcome == .fail)
    }

    @Test func attemptsAreCountedAtTheReceivedTime() {
        var policy = Policy()
        policy.attemptsPerDay = 2
        let received = Date(timeIntervalSince1970: 1_795_687_770)
        let application = exampleApplication { _, application in
            // Claimed a day earlier than intake received it, after two attempts received in the last hour.
            application.submittedAt = received.addingTimeInterval(-86_000)
            application.receivedAt = received
            application.history = AttemptHistory(
                earlierSubmissions: [received.addingTimeInterval(-3600), received.addingTimeInterval(-1800)]
            )
        }
        let results = CheckSuite(policy: policy).run(application)
        #expect(results.first { $0.name == .attemptLimit }?.outcome == .fail)
    }
}
