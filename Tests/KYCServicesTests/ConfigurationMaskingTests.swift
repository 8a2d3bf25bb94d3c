import Testing

@testable import KYCServices

/// `kyc-reviewd --check-config` prints the database and SMTP URLs: no password in them may show, however
/// it is written, and what is not a secret stays readable.
@Suite struct ConfigurationMaskingTests {
    @Test(arguments: [
        // URIs: the userinfo's password.
        ("postgresql://daemon:S3cr3t@db.internal/kyc", "postgresql://daemon:********@db.internal/kyc"),
        ("postgres://daemon:S3cr3t@db.internal:5432/kyc", "postgres://daemon:********@db.internal:5432/kyc"),
        ("postgresql://daemon:S3c@r3t@db.internal/kyc", "postgresql://daemon:********@db.internal/kyc"),
        ("postgresql://daemon:S3c/r?3t@db.internal/kyc", "postgresql://daemon:********@db.internal/kyc"),
        ("postgresql://daemon:@db.internal/kyc", "postgresql://daemon:********@db.internal/kyc"),
        (
            "postgresql://daemon:S3cr3t@db1:5432,db2:5432/kyc?target_session_attrs=read-write",
            "postgresql://daemon:********@db1:5432,db2:5432/kyc?target_session_attrs=read-write"
        ),
        ("smtp://kyc:S3cr3t@mail.example.com:587", "smtp://kyc:********@mail.example.com:587"),
        ("smtps://kyc%40example.com:S3cr3t@mail.example.com", "smtps://kyc%40example.com:********@mail.example.com"),
        ("smtp://kyc;AUTH=PLAIN:S3cr3t@mail.example.com", "smtp://kyc;AUTH=PLAIN:********@mail.example.com"),
        // URIs: password parameters of the query, their names percent-decoded as libpq reads them.
        ("postgresql://db.internal/kyc?password=S3cr3t", "postgresql://db.internal/kyc?password=********"),
        (
            "postgresql://db.internal/kyc?sslmode=require&password=S3cr3t&application_name=kyc",
            "postgresql://db.internal/kyc?sslmode=require&password=********&application_name=kyc"
        ),
        ("postgresql://db.internal/kyc?pass%77ord=S3cr3t", "postgresql://db.internal/kyc?pass%77ord=********"),
        ("postgresql://db.internal/kyc?sslpassword=S3cr3t", "postgresql://db.internal/kyc?sslpassword=********"),
        ("postgresql://db.internal/kyc?password=S3c@r3t", "postgresql://db.internal/kyc?password=********"),
        // key=value conninfo.
        ("host=db.internal password=S3cr3t dbname=kyc", "host=db.internal password=******** dbname=kyc"),
        ("host=db.internal password = S3cr3t dbname=kyc", "host=db.internal password = ******** dbname=kyc"),
        ("host=db.internal password='S3c r3t' dbname=kyc", "host=db.internal password=******** dbname=kyc"),
        (#"password='S3c\' r3t' dbname=kyc"#, "password=******** dbname=kyc"),
        ("password='S3c r3t", "password=********"),
        ("PASSWORD=S3cr3t sslpassword=S3cr3t", "PASSWORD=******** sslpassword=********"),
        ("dbname=postgresql://daemon:S3cr3t@db.internal/kyc", "dbname=postgresql://daemon:********@db.internal/kyc"),
    ])
    func masksEveryPasswordInAConnectionString(input: String, expected: String) {
        let masked = Configuration.maskingPassword(input)
        #expect(masked == expected)
        #expect(!masked.contains("S3c"))
        #expect(!masked.contains("r3t"))
    }

    @Test(arguments: [
        "postgresql://daemon@db.internal:5432/kyc?sslmode=verify-full",
        "postgresql:///kyc?host=/run/postgresql",
        "host=db.internal port=5432 dbname=kyc user=daemon sslmode=require",
        "smtp://127.0.0.1:2525",
        "smtps://mail.example.com:465",
        "",
    ])
    func leavesAConnectionStringWithoutSecretsAsItIs(input: String) {
        #expect(Configuration.maskingPassword(input) == input)
    }

    @Test func checkConfigMasksTheUserInfoOfTheSMTPURL() throws {
        var configuration = Configuration()
        configuration.databaseURL = "host=db.internal password=S3cr3t-db"
        configuration.smtpURL = "smtp://kyc:S3cr3t-smtp@mail.example.com:587"
        let text = configuration.maskedDescription(smtp: nil)
        #expect(text.contains("KYC_SMTP_URL=smtp://kyc:********@mail.example.com:587"))
        #expect(text.contains("KYC_DATABASE_URL=host=db.internal password=********"))
        #expect(!text.contains("S3cr3t"))
    }
}
