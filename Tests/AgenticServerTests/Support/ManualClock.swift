import AgenticCore
import AgenticStore
import Synchronization

/// A clock the test moves by hand, for rules that depend on time (delays, backoff, timeouts): a
/// store opened with it lives in the test's time, so no test sleeps to see a minute pass. Only tests
/// can make one — production has no way to give a store another clock (see `WallClock`).
final class ManualClock: WallClock {
    private let time: Mutex<Timestamp>

    /// Starts at a whole second, so times written as text compare exactly.
    init(_ start: Timestamp = Timestamp(microseconds: Timestamp.now().microseconds / 1_000_000 * 1_000_000)) {
        time = Mutex(start)
    }

    func now() -> Timestamp { time.withLock { $0 } }

    func advance(seconds: Double) {
        time.withLock { $0 = $0.adding(seconds: seconds) }
    }
}
