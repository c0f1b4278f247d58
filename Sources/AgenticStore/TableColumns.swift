/// The columns of the tables that are not described resources (keys and events), named once for
/// both stores.
enum TableColumns {
    static let key = """
        key_id, tenant, name, scope, key_hash, prefix, expires_at, rate_rps, rate_burst, unlimited, created_at, revoked_at
        """
    static let event = "event_id, tenant, type, resource_id, data, actor, created_at"
}
