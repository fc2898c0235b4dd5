import MinifoSystem
import OverlayCore
import Testing

@Suite struct RenameTests {
    /// Found by `minifo check` in the crash test: a rename moved the whiteout on the old name
    /// along with the object, leaving a whiteout where the base has nothing to hide.
    @Test func whiteoutsStayExactlyWhereABaseObjectIsHidden() throws {
        let layers = try TemporaryLayers()
        try layers.write("a", "base a", in: layers.base)
        try layers.write("b", "base b", in: layers.base)
        let overlay = try layers.overlay()
        try overlay.rename(Array("a".utf8), in: .root, to: Array("b".utf8), in: .root, flags: [])
        try overlay.rename(Array("b".utf8), in: .root, to: Array("c".utf8), in: .root, flags: [])
        #expect(overlay.meta.isDeleted(path("a")) && overlay.meta.isDeleted(path("b")))
        #expect(!overlay.meta.isDeleted(path("c")), "a whiteout on a name the base does not have")
        #expect(try names(overlay, "") == ["c"])
    }
}
