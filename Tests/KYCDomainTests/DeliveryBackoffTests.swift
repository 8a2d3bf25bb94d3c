import Testing

@testable import KYCDomain

@Suite struct DeliveryBackoffTests {
    @Test(arguments: [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)])
    func doublesFromHalfAMinuteUpToAnHour(attempt: Int, seconds: Int) {
        #expect(DeliveryBackoff().delay(afterAttempt: attempt, jitter: 1.0) == .seconds(seconds))
    }

    @Test func spreadsByTheJitterAndNoFurther() {
        let backoff = DeliveryBackoff()
        #expect(backoff.delay(afterAttempt: 1, jitter: 0.8) == .seconds(24))
        #expect(backoff.delay(afterAttempt: 1, jitter: 1.2) == .seconds(36))
        #expect(backoff.delay(afterAttempt: 1, jitter: 5) == .seconds(36), "a jitter outside 0.8…1.2 is clamped")
    }
}
