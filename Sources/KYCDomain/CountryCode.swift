import Foundation

/// An ISO 3166-1 alpha-2 country code, known to the standard.
public struct CountryCode: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let alpha2: String

    /// `nil` unless `alpha2` is an assigned ISO 3166-1 alpha-2 code.
    public init?(_ alpha2: String) {
        guard Self.alpha3ByAlpha2[alpha2] != nil else { return nil }
        self.alpha2 = alpha2
    }

    public init(stringLiteral value: String) {
        guard let code = CountryCode(value) else { preconditionFailure("not an ISO 3166-1 alpha-2 code") }
        self = code
    }

    /// The code's alpha-3 form, as the MRZ writes most states.
    public var alpha3: String { Self.alpha3ByAlpha2[self.alpha2]! }

    /// Maps an ICAO 9303 three-letter state or nationality code to ISO alpha-2, including ICAO's own codes
    /// (`D` for Germany) and the specimen state `UTO`, which maps to nil as it is no country.
    public init?(icaoCode: String) {
        let code = icaoCode.replacingOccurrences(of: "<", with: "")
        if let special = Self.icaoSpecialCodes[code] {
            guard let special else { return nil }
            self.init(special)
            return
        }
        guard let alpha2 = Self.alpha2ByAlpha3[code] else { return nil }
        self.init(alpha2)
    }

    /// ICAO codes that are not ISO alpha-3 (Doc 9303 part 3): nil marks codes that name no ISO country.
    static let icaoSpecialCodes: [String: String?] = [
        "D": "DE", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBP": "GB", "GBS": "GB",
        "UNO": nil, "UNA": nil, "UNK": "XK", "XXA": nil, "XXB": nil, "XXC": nil, "XXX": nil, "EUE": nil,
        "UTO": nil, "RKS": "XK", "XOM": nil, "XPO": nil, "XCC": nil, "XBT": nil, "XEC": nil,
    ]

    static let alpha2ByAlpha3: [String: String] = Dictionary(
        uniqueKeysWithValues: alpha3ByAlpha2.map { ($0.value, $0.key) }
    )

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let code = CountryCode(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "country"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.alpha2)
    }

    public var description: String { self.alpha2 }
}
