import Foundation

/// What `GET /stats` answers for one tenant: counts for screens, kept as the work happens (see the
/// stores' `counters`) so that answering never scans a table.
public struct TenantStatistics: Sendable, Equatable, JSONWritable {
    /// Claims, completions and failed attempts in a window.
    public struct Activity: Sendable, Equatable {
        public var claims: Int64 = 0
        public var completions: Int64 = 0
        /// Attempts that ended without completing: failed, retried, or their lease expired.
        public var failures: Int64 = 0

        public init(claims: Int64 = 0, completions: Int64 = 0, failures: Int64 = 0) {
            self.claims = claims
            self.completions = completions
            self.failures = failures
        }
    }

    public var agents: [AgentStatus: Int64] = [:]
    public var tasks = TaskCounts()
    /// Pending tasks whose dependencies have all completed.
    public var readyTasks: Int64 = 0
    /// When the oldest ready task was created (nil when none is ready).
    public var oldestReadyAt: Timestamp?
    public var lastMinute = Activity()
    public var lastHour = Activity()
    /// The last `recentMinuteCount` minutes one by one, oldest first (the last is `lastMinute`): a
    /// screen's chart, whole from its first draw.
    public var minutes = [Activity](repeating: Activity(), count: Self.recentMinuteCount)
    /// The newest event readers can see — of any tenant, as event ids are positions in one log — so
    /// a screen can read the recent past and follow the stream from there.
    public var lastEventID: Int64 = 0
    public var asOf: Timestamp

    public init(asOf: Timestamp) {
        self.asOf = asOf
    }

    /// The length of one activity bucket: `last_minute` is the current bucket and the five before.
    public static let bucketSeconds: Int64 = 10
    public static let minuteBuckets: Int64 = 6
    public static let hourBuckets: Int64 = 360
    public static let recentMinuteCount = 10

    /// Applies one counter row (`task.pending`, `agent.active`, `task.ready`, `claims`, …).
    public mutating func add(counter name: String, standing n: Int64) {
        if name == "task.ready" {
            readyTasks += n
        } else if name.hasPrefix("task."), let status = TaskStatus(rawValue: String(name.dropFirst(5))) {
            tasks[status] += n
        } else if name.hasPrefix("agent."), let status = AgentStatus(rawValue: String(name.dropFirst(6))) {
            agents[status, default: 0] += n
        }
    }

    /// Applies one activity counter, its count in the last minute and in the last hour.
    public mutating func add(activity name: String, minute: Int64, hour: Int64) {
        switch name {
        case "claims": lastMinute.claims += minute; lastHour.claims += hour
        case "completions": lastMinute.completions += minute; lastHour.completions += hour
        case "failures": lastMinute.failures += minute; lastHour.failures += hour
        default: break
        }
    }

    /// Applies one activity counter's count in the minute `minutesAgo` minutes back (0: the last
    /// minute); others are out of the series.
    public mutating func add(activity name: String, minutesAgo: Int64, n: Int64) {
        guard (0..<Int64(Self.recentMinuteCount)).contains(minutesAgo) else { return }
        let index = Self.recentMinuteCount - 1 - Int(minutesAgo)
        switch name {
        case "claims": minutes[index].claims += n
        case "completions": minutes[index].completions += n
        case "failures": minutes[index].failures += n
        default: break
        }
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("agents")
        w.beginObject()
        for status in AgentStatus.allCases {
            w.key(status.rawValue)
            w.int(agents[status] ?? 0)
        }
        w.endObject()
        w.key("tasks")
        tasks.write(to: &w)
        w.key("ready_tasks"); w.int(readyTasks)
        w.key("oldest_ready_at"); w.timestamp(oldestReadyAt)
        w.key("oldest_ready_age_seconds")
        if let oldestReadyAt {
            w.double(max(0, Double(asOf.microseconds - oldestReadyAt.microseconds) / 1_000_000))
        } else {
            w.null()
        }
        func write(_ activity: Activity) {
            w.beginObject()
            w.key("claims"); w.int(activity.claims)
            w.key("completions"); w.int(activity.completions)
            w.key("failures"); w.int(activity.failures)
            w.endObject()
        }
        w.key("last_minute"); write(lastMinute)
        w.key("last_hour"); write(lastHour)
        w.key("minutes")
        w.beginArray()
        for minute in minutes { write(minute) }
        w.endArray()
        w.key("last_event_id"); w.int(lastEventID)
        w.key("as_of"); w.timestamp(asOf)
        w.endObject()
    }
}
