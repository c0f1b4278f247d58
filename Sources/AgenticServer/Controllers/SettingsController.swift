import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// `/settings`: the tenant's own defaults. Any key may read them; only an admin changes them, so a
/// worker's key cannot change how its own failures are retried.
struct SettingsController<S: SettingsStore>: Sendable {
    let store: S

    func register(_ routes: RouteRegistrar) {
        routes.read.get("/api/v1/settings") { request, context in
            if let (name, _) = request.queryPairs.first {
                throw AgenticError.validation(field: name, "is not a parameter of /settings, which takes none")
            }
            return JSONResponse.make(try await store.settings(tenant: try context.principal.tenant).jsonBytes())
        }
        routes.admin.patch("/api/v1/settings") { request, context in
            let body = try await request.requiredJSONBody()
            return JSONResponse.make(try await store.updateSettings(body, by: try context.caller).jsonBytes())
        }
    }
}
