import Foundation

/// Writes a name as an MRZ does (ICAO Doc 9303 part 3, section 6): upper case Latin letters, national
/// characters transliterated, spaces and hyphens as fillers, other punctuation dropped.
///
/// Where Doc 9303 allows two spellings (Ä as AE or A, Ü as UE or U, Å as AA or A, Ñ as N or NXX),
/// `variants` gives each, so that a comparison accepts either.
public enum Transliteration {
    /// The recommended spelling of each national character that is not simply a letter with marks.
    static let table: [Character: String] = [
        "Ä": "AE", "Æ": "AE", "Å": "AA", "Ö": "OE", "Ø": "OE", "Œ": "OE", "Ü": "UE", "ß": "SS", "ẞ": "SS",
        "Þ": "TH", "Ð": "D", "Đ": "D", "Ħ": "H", "Ĳ": "IJ", "Ł": "L", "Ŀ": "L", "Ŋ": "N", "Ñ": "N",
        "ı": "I", "Ə": "A", "Ŧ": "T", "Ǆ": "DZ", "Ǉ": "LJ", "Ǌ": "NJ",
    ]

    /// The single-letter alternatives Doc 9303 also allows.
    static let shortForms: [Character: String] = ["Ä": "A", "Å": "A", "Ö": "O", "Ü": "U"]

    /// The MRZ spelling of a name, with runs of fillers reduced to one space (the form names compare in).
    public static func mrzName(_ name: String) -> String {
        self.render(name, table: self.table)
    }

    /// Every acceptable MRZ spelling of a name.
    public static func variants(_ name: String) -> Set<String> {
        var short = self.table
        for (character, form) in self.shortForms { short[character] = form }
        return [self.render(name, table: self.table), self.render(name, table: short)]
    }

    static func render(_ name: String, table: [Character: String]) -> String {
        var output = ""
        for character in name.uppercased() {
            if let mapped = table[character] {
                output += mapped
            } else if character == " " || character == "-" || character == "<" || character == "," {
                output += " "
            } else if let base = self.baseLetter(character) {
                output.append(base)
            }
            // Apostrophes and other punctuation are omitted.
        }
        return output.split(separator: " ").joined(separator: " ")
    }

    /// A–Z or 0–9 after removing combining marks; nil for anything else.
    static func baseLetter(_ character: Character) -> Character? {
        if let mapped = table[character], mapped.count == 1 { return mapped.first }
        let decomposed = String(character).decomposedStringWithCanonicalMapping
        guard let first = decomposed.unicodeScalars.first else { return nil }
        let scalar = Character(first)
        if let mapped = table[scalar], mapped.count == 1 { return mapped.first }
        guard scalar.isASCII, scalar.isLetter || scalar.isNumber else { return nil }
        return Character(scalar.uppercased())
    }
}
