import Foundation

/// Every flag has an `AGENTIC_*` environment variable; flags win over the environment.
enum Env {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func string(_ name: String, default fallback: String) -> String { string(name) ?? fallback }

    static func int(_ name: String, default fallback: Int) -> Int { string(name).flatMap(Int.init) ?? fallback }
}
