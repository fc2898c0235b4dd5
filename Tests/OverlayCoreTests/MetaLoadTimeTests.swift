import Foundation
import MinifoSystem
import OverlayCore
import Testing

/// Prints how long opening a large META file takes; meaningful in a release build only:
/// `swift test -c release --filter MetaLoadTimeTests`. The target is under 100 ms for 100,000
/// records; a debug build times 10,000, to keep the test quick.
@Suite struct MetaLoadTimeTests {
    #if DEBUG
    static let count = 10_000
    #else
    static let count = 100_000
    #endif

    static func threadCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    @Test func openingALargeFile() throws {
        let fixture = try MetaFixture()
        let count = Self.count
        do {
            let store = try fixture.open()
            for i in 0..<count / 2 {
                let path = metaPath("dir\(i % 200)/sub\(i % 7)/file\(i)")
                try store.setInode(path, UInt64(i))
                if i % 2 == 0 {
                    try store.setDeleted(path, true)
                } else {
                    try store.setAttributes(path, MetaAttributes(mode: 0o644, mtime: Timespec(seconds: Int64(i), nanoseconds: 0)))
                }
            }
            #expect(store.fileRecordCount == count)
        }
        let size = try fixture.metaBytes().count
        let clock = ContinuousClock()
        var store: MetaStore?
        var best = (wall: Duration.seconds(1000), cpu: Duration.seconds(1000))
        for _ in 0..<10 {
            store = nil
            let start = (wall: clock.now, cpu: Self.threadCPUTime())
            store = try fixture.open()
            best = (min(best.wall, clock.now - start.wall), min(best.cpu, Self.threadCPUTime() - start.cpu))
        }
        #expect(store?.liveRecordCount == count)
        #expect(store?.inode(metaPath("dir7/sub0/file4207")) == 4207)

        let recorded = (0..<1000).map { metaPath("dir\($0 % 200)/sub\($0 % 7)/file\($0)") }
        let unrecorded = (0..<1000).map { metaPath("usr/lib/file\($0)") }
        var found = 0
        var perQuery: [Duration] = []
        for paths in [recorded, unrecorded] {
            let start = clock.now
            for _ in 0..<100 {
                for path in paths where store!.isDeleted(path) { found += 1 }
            }
            perQuery.append((clock.now - start) / 100_000)
        }
        #expect(found == 50_000)
        print("META load time: \(count) records, \(size) bytes, opened in \(best.wall) (\(best.cpu) of CPU time; best of 10); "
            + "isDeleted takes \(perQuery[0]) on a recorded path, \(perQuery[1]) on a path without records")
    }
}
