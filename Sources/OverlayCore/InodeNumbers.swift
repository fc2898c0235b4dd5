import MinifoSystem
import Synchronization

/// Gives every object an inode number that is unique within the mount and stable while it is
/// mounted. Objects on the base's own filesystem keep their base number, so `stat` agrees with
/// the base; objects from storage and from other filesystems mounted inside the base get
/// numbers from ranges the base's own numbers never reach in practice.
final class InodeNumbers: Sendable {
    private let baseDevice: UInt64
    private let foreign = Mutex<[DeviceInode: UInt64]>([:])

    private struct DeviceInode: Hashable { var device: UInt64; var inode: UInt64 }

    private static let storageRange: UInt64 = 1 << 63
    static let foreignRange: UInt64 = 1 << 62

    init(baseDevice: UInt64) { self.baseDevice = baseDevice }

    func number(device: UInt64, inode: UInt64, in layer: LayerKind) -> UInt64 {
        switch layer {
        case .base where device == baseDevice && inode < Self.foreignRange:
            return inode
        case .storage:
            return Self.storageRange | inode
        default:
            let key = DeviceInode(device: device, inode: inode)
            return foreign.withLock { map in
                if let known = map[key] { return known }
                let assigned = Self.foreignRange | UInt64(map.count + 1)
                map[key] = assigned
                return assigned
            }
        }
    }
}
