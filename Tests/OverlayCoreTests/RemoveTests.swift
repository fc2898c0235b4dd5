import MinifoSystem
import OverlayCore
import Testing

@Suite struct RemoveTests {
    /// Found by the crash test's workload: removing a file that had been renamed onto the
    /// name of a deleted base file brought the base file back.
    @Test func removingAFileRenamedOntoADeletedBaseNameKeepsTheBaseFileDeleted() throws {
        let layers = try TemporaryLayers()
        try layers.write("d/f", "base f", in: layers.base)
        try layers.write("d/g", "base g", in: layers.base)
        let overlay = try layers.overlay()
        try overlay.remove(Array("f".utf8), in: path("d"), directory: false)
        try overlay.rename(Array("g".utf8), in: path("d"), to: Array("f".utf8), in: path("d"), flags: [])
        try overlay.remove(Array("f".utf8), in: path("d"), directory: false)
        #expect(throws: Errno.ENOENT) { try overlay.lookup(path("d/f")) }
        #expect(try names(overlay, "d") == [])
    }
}
