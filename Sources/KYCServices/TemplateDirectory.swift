import Foundation
public import KYCDomain

/// An operator's email templates: `<dir>/<locale>/<name>.mustache` (and `<dir>/layout.html.mustache`),
/// read once at start-up and put over the built-in ones, so that wording changes need no rebuild.
enum TemplateDirectory {
    static let names: Set<String> = Set(
        [
            "approval.subject", "approval.text", "denial.subject", "denial.text", "layout.html", "window.hours",
            "window.minutes",
        ]
            + ReasonCode.allCases.map { "reason.\($0.rawValue)" }
    )

    /// The templates in `path`, keyed `<locale>/<name>` or `layout.html`.
    static func load(_ path: String) throws(ConfigurationError) -> [String: String] {
        let root = URL(fileURLWithPath: path)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw ConfigurationError(problem: "is not a readable folder", key: "KYC_TEMPLATE_DIR", file: path)
        }
        var templates: [String: String] = [:]
        for case let url as URL in enumerator where url.pathExtension == "mustache" {
            let relative = url.path.dropFirst(root.path.count).drop { $0 == "/" }
            let name = String(relative.dropLast(".mustache".count))
            let parts = name.split(separator: "/")
            let valid =
                (parts.count == 1 && name == "layout.html")
                || (parts.count == 2 && parts[0].allSatisfy { $0.isLetter || $0 == "-" } && Self.names.contains(String(parts[1])))
            guard valid else {
                throw ConfigurationError(problem: "is not a template this product uses", key: "KYC_TEMPLATE_DIR", file: url.path)
            }
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ConfigurationError(problem: "cannot be read", key: "KYC_TEMPLATE_DIR", file: url.path)
            }
            templates[name] = String(decoding: data, as: UTF8.self)
        }
        return templates
    }
}

extension Configuration {
    /// The email templates in force: the built-in ones, with `KYC_TEMPLATE_DIR`'s over them.
    public func emailTemplates() throws(ConfigurationError) -> EmailTemplates {
        guard let directory = self.templateDirectory else { return .builtIn }
        do {
            return try EmailTemplates(overrides: try TemplateDirectory.load(directory))
        } catch let error as ConfigurationError {
            throw error
        } catch let error as TemplateError {
            throw ConfigurationError(problem: error.description, key: "KYC_TEMPLATE_DIR", file: directory)
        } catch {
            throw ConfigurationError(problem: "cannot be used", key: "KYC_TEMPLATE_DIR", file: directory)
        }
    }
}
