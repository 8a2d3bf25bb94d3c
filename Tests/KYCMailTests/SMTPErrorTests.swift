import KYCMail
import Testing

/// libcurl's codes, by name (curl/curl.h), for the tables below.
enum Curl {
    static let couldNotConnect = 7
    static let weirdServerReply = 8
    static let operationTimedOut = 28
    static let sslConnectError = 35
    static let sendError = 55
    static let receiveError = 56
    static let sslCertificateProblem = 58
    static let peerFailedVerification = 60
    static let useSSLFailed = 64
    static let loginDenied = 67
    static let sslCACertificateBadFile = 77
    static let authError = 94
}

/// What a failure means for the email: given up, tried again, or kept waiting for an operator.
enum Disposition: Sendable {
    case permanent, temporary, configuration
}

@Suite struct SMTPErrorTests {
    static let table: [(curlCode: Int, replyCode: Int?, code: SMTPError.Code, disposition: Disposition)] = [
        // The credentials: the mail waits for an operator, it is not the email's fault.
        (Curl.loginDenied, 535, .authenticationFailed, .configuration),
        (Curl.loginDenied, 534, .authenticationFailed, .configuration),
        (Curl.loginDenied, 538, .authenticationFailed, .configuration),
        (Curl.loginDenied, nil, .authenticationFailed, .configuration),
        (Curl.authError, nil, .authenticationFailed, .configuration),
        // libcurl reports "530 authentication required" on MAIL FROM as a send error.
        (Curl.sendError, 530, .authenticationFailed, .configuration),
        (Curl.sendError, 535, .authenticationFailed, .configuration),
        // TLS: no STARTTLS, a failed handshake, a certificate that does not verify.
        (Curl.useSSLFailed, nil, .tlsFailed, .configuration),
        (Curl.useSSLFailed, 454, .tlsFailed, .configuration),
        (Curl.sslConnectError, nil, .tlsFailed, .configuration),
        (Curl.peerFailedVerification, nil, .tlsFailed, .configuration),
        (Curl.sslCertificateProblem, nil, .tlsFailed, .configuration),
        (Curl.sslCACertificateBadFile, nil, .tlsFailed, .configuration),
        // About this email or recipient: permanent.
        (Curl.sendError, 550, .rejected, .permanent),
        (Curl.weirdServerReply, 552, .rejected, .permanent),
        (Curl.sendError, 554, .rejected, .permanent),
        // Weather: temporary.
        (Curl.sendError, 451, .rejected, .temporary),
        (Curl.sendError, 421, .rejected, .temporary),
        (Curl.couldNotConnect, nil, .connectionFailed, .temporary),
        (Curl.operationTimedOut, nil, .timeout, .temporary),
        (Curl.receiveError, nil, .transportFailed, .temporary),
    ]

    @Test(arguments: Self.table)
    func classifiesEachFailureByWhatItMeansForTheEmail(
        curlCode: Int, replyCode: Int?, code: SMTPError.Code, disposition: Disposition
    ) {
        let classified = SMTPError.classify(curlCode: curlCode, replyCode: replyCode)
        #expect(classified == code)
        let error = SMTPError(code: classified, replyCode: replyCode, curlCode: curlCode)
        #expect(error.isConfigurationProblem == (disposition == .configuration))
        #expect(error.isPermanent == (disposition == .permanent))
        #expect(error.isTemporary == (disposition != .permanent))
    }

    @Test func neverGivesUpAnEmailForARejectedPassword() {
        let error = SMTPError(code: .authenticationFailed, replyCode: 535, replyText: "535 5.7.8 nope", curlCode: 67)
        #expect(!error.isPermanent)
        #expect(error.isConfigurationProblem)
        #expect("\(error)" == "SMTPError(code: authenticationFailed, reply: 535, curl: 67, configuration)")
    }

    @Test func treatsAServerOfferingNoAUTHAsAConfigurationProblem() {
        let error = SMTPError(code: .authenticationFailed, replyText: "the server offers no AUTH", curlCode: 42)
        #expect(error.isConfigurationProblem)
        #expect(error.isTemporary)
    }

    @Test func stillGivesUpAnInvalidAddress() {
        #expect(SMTPError(code: .invalidAddress).isPermanent)
        #expect(!SMTPError(code: .invalidAddress).isConfigurationProblem)
    }
}
