import AgenticCore
import AgenticStore
import Foundation
import Hummingbird
import Synchronization

/// The authenticated key behind a request.
public struct Principal: Sendable, Equatable {
    public var keyID: UUID
    public var tenant: String
    public var scope: Scope
    public var rateLimit: RateLimit?
    public var unlimited: Bool

    public var caller: Caller { Caller(tenant: tenant, keyID: keyID.lowercased) }
}

/// Facts about a request that outer middleware (the access log, metrics) reads after inner
/// middleware (authentication) learned them. Request contexts are values handed inwards, so these
/// travel in a shared box.
public final class RequestFacts: Sendable {
    private let principalBox = Mutex<Principal?>(nil)

    public var principal: Principal? {
        get { principalBox.withLock { $0 } }
        set { principalBox.withLock { $0 = newValue } }
    }
}

public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `RequestIDMiddleware`: the client's `X-Request-ID` or a new one.
    public var requestID: String = ""
    public let facts = RequestFacts()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { Limits.maxBodyBytes }

    /// The authenticated key; every `/api` route runs behind `AuthMiddleware`, which sets it.
    public var principal: Principal {
        get throws {
            guard let principal = facts.principal else {
                throw AgenticError(code: .unauthorized, status: 401, detail: "Authentication is required")
            }
            return principal
        }
    }

    public var caller: Caller {
        get throws { try principal.caller }
    }
}
