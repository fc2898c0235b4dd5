/// Who asks for a change: new objects belong to them, as on a native filesystem.
public struct Caller: Sendable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}
