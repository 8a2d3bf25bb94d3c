/// A submitted application as the capture front end wrote it (CONTRACT §1).
///
/// Intake has validated it, so decoding is lenient where the contract is open: an unknown liveness value or
/// a missing optional field decodes, and the checks decide what it means. Timestamps are not decoded here:
/// the store hands them over as instants.
public struct Submission: Sendable, Decodable, Equatable {
    public var accountID: String
    public var email: String
    public var locale: String
    public var basicInfo: BasicInfo
    public var document: Document
    public var selfie: Image
    public var faceMatchScore: Double?
    public var liveness: Liveness?
    public var captureChannel: String?

    public init(
        accountID: String,
        email: String,
        locale: String = "en",
        basicInfo: BasicInfo,
        document: Document,
        selfie: Image,
        faceMatchScore: Double?,
        liveness: Liveness?,
        captureChannel: String? = nil
    ) {
        self.accountID = accountID
        self.email = email
        self.locale = locale
        self.basicInfo = basicInfo
        self.document = document
        self.selfie = selfie
        self.faceMatchScore = faceMatchScore
        self.liveness = liveness
        self.captureChannel = captureChannel
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case email, locale
        case basicInfo = "basic_info"
        case document, selfie
        case faceMatchScore = "face_match_score"
        case liveness
        case captureChannel = "capture_channel"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.accountID = try container.decode(String.self, forKey: .accountID)
        self.email = try container.decode(String.self, forKey: .email)
        self.locale = try container.decodeIfPresent(String.self, forKey: .locale) ?? "en"
        self.basicInfo = try container.decode(BasicInfo.self, forKey: .basicInfo)
        self.document = try container.decode(Document.self, forKey: .document)
        self.selfie = try container.decode(Image.self, forKey: .selfie)
        self.faceMatchScore = try container.decodeIfPresent(Double.self, forKey: .faceMatchScore)
        self.liveness = try container.decodeIfPresent(String.self, forKey: .liveness).flatMap(Liveness.init(rawValue:))
        self.captureChannel = try container.decodeIfPresent(String.self, forKey: .captureChannel)
    }

    /// What the applicant says about themselves.
    public struct BasicInfo: Sendable, Codable, Equatable {
        public var firstName: String
        public var lastName: String
        public var dateOfBirth: CalendarDate
        public var nationality: CountryCode
        public var countryOfResidence: CountryCode
        public var address: String?

        public init(
            firstName: String,
            lastName: String,
            dateOfBirth: CalendarDate,
            nationality: CountryCode,
            countryOfResidence: CountryCode,
            address: String? = nil
        ) {
            self.firstName = firstName
            self.lastName = lastName
            self.dateOfBirth = dateOfBirth
            self.nationality = nationality
            self.countryOfResidence = countryOfResidence
            self.address = address
        }

        enum CodingKeys: String, CodingKey {
            case firstName = "first_name"
            case lastName = "last_name"
            case dateOfBirth = "date_of_birth"
            case nationality
            case countryOfResidence = "country_of_residence"
            case address
        }
    }

    /// The identity document.
    public struct Document: Sendable, Codable, Equatable {
        public var type: DocumentType
        public var issuingCountry: CountryCode
        public var number: String
        public var expiryDate: CalendarDate
        /// The machine-readable zone, lines joined by "\n".
        public var mrz: String?
        public var images: [Image]

        public init(
            type: DocumentType,
            issuingCountry: CountryCode,
            number: String,
            expiryDate: CalendarDate,
            mrz: String?,
            images: [Image]
        ) {
            self.type = type
            self.issuingCountry = issuingCountry
            self.number = number
            self.expiryDate = expiryDate
            self.mrz = mrz
            self.images = images
        }

        enum CodingKeys: String, CodingKey {
            case type
            case issuingCountry = "issuing_country"
            case number
            case expiryDate = "expiry_date"
            case mrz, images
        }

        /// Reads the document; a stored document, whose number and MRZ are kept apart from it, takes them
        /// from `StoredIdentifiers.userInfoKey` in the decoder's user info.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.type = try container.decode(DocumentType.self, forKey: .type)
            self.issuingCountry = try container.decode(CountryCode.self, forKey: .issuingCountry)
            self.expiryDate = try container.decode(CalendarDate.self, forKey: .expiryDate)
            self.images = try container.decode([Image].self, forKey: .images)
            if let stored = decoder.userInfo[StoredIdentifiers.userInfoKey] as? StoredIdentifiers {
                self.number = stored.number
                self.mrz = stored.mrz
            } else {
                self.number = try container.decode(String.self, forKey: .number)
                self.mrz = try container.decodeIfPresent(String.self, forKey: .mrz)
            }
        }
    }

    /// A stored document's number and MRZ, which are sealed apart from the stored submission: given to
    /// the decoder as user info, they take the place of the fields the capture front end sent.
    public struct StoredIdentifiers: Sendable {
        public static let userInfoKey = CodingUserInfoKey(rawValue: "kyc.storedIdentifiers")!

        public var number: String
        public var mrz: String?

        public init(number: String, mrz: String?) {
            self.number = number
            self.mrz = mrz
        }
    }

    /// An uploaded image's metadata (the bytes stay in media storage).
    public struct Image: Sendable, Codable, Equatable {
        public var side: Side?
        public var ref: String
        public var sha256: String
        public var mime: String
        public var bytes: Int
        public var width: Int
        public var height: Int

        public init(side: Side? = nil, ref: String, sha256: String, mime: String, bytes: Int, width: Int, height: Int) {
            self.side = side
            self.ref = ref
            self.sha256 = sha256
            self.mime = mime
            self.bytes = bytes
            self.width = width
            self.height = height
        }
    }

    public enum Side: String, Sendable, Codable {
        case front, back
    }

    public enum Liveness: String, Sendable, Codable {
        case passed, failed, inconclusive
    }
}

/// The kinds of identity document (CONTRACT §1).
public enum DocumentType: String, Sendable, Codable, CaseIterable {
    case passport
    case idCard = "id_card"
    case driversLicense = "drivers_license"
}
