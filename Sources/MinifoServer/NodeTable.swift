import MinifoSystem
import OverlayCore
import Synchronization

/// The nodes the kernel knows, keyed by node ID, with their lookup counts (FUSE_LOOKUP raises
/// a count, FUSE_FORGET lowers it; a node at zero is dropped). A node remembers its parent and
/// name rather than a descriptor, which keeps both memory and open files small.
///
/// Node IDs are the overlay's entry identities, except that the root is always 1
/// (FUSE_ROOT_ID): the root's own identity and 1 swap places, so the mapping stays one-to-one.
///
/// What only open nodes need (passthrough backing, a descriptor) is kept apart, so the many
/// nodes a tree walk leaves behind cost 32 bytes each plus their name.
final class NodeTable: Sendable {
    struct Node {
        var parent: UInt64
        var name: [UInt8]
        var lookups: UInt64
        /// The inode number the mount shows for it.
        var inode: UInt64
    }

    /// The state of a node with open files.
    struct OpenState {
        /// Passthrough backing id shared by every open of this node, and how many opens use it.
        var backingID: Int32 = 0
        var backingUsers: Int32 = 0
        var backingSource: BackingSource?
        /// A descriptor some open of this node holds, for GETATTR once the name is gone.
        var fd: Int32 = -1

        var isEmpty: Bool { backingUsers == 0 && fd < 0 }
    }

    static let rootID: UInt64 = 1
    let rootIdentity: UInt64
    private let nodes: Mutex<[UInt64: Node]>
    /// Lock order: `nodes` is never held while taking `open`, nor the other way round.
    private let open = Mutex<[UInt64: OpenState]>([:])

    init(rootIdentity: UInt64) {
        self.rootIdentity = rootIdentity
        nodes = Mutex([Self.rootID: Node(parent: 0, name: [], lookups: 1, inode: 0)])
    }

    func nodeID(for identity: UInt64) -> UInt64 {
        if identity == rootIdentity { return Self.rootID }
        if identity == Self.rootID { return rootIdentity }
        return identity
    }

    /// The inode number last reported for a node.
    func inode(of nodeID: UInt64) -> UInt64? {
        nodes.withLock { $0[nodeID]?.inode }
    }

    /// The path of a node, built from the names up to the root. ESTALE for an unknown node.
    func path(of nodeID: UInt64) throws(Errno) -> RelativePath {
        if nodeID == Self.rootID { return .root }
        return try nodes.withLock { (nodes) throws(Errno) -> RelativePath in
            var names: [[UInt8]] = []
            var current = nodeID
            while current != Self.rootID {
                guard let node = nodes[current], names.count < 4096 else { throw .ESTALE }
                names.append(node.name)
                current = node.parent
            }
            var bytes: [UInt8] = []
            for name in names.reversed() {
                if !bytes.isEmpty { bytes.append(0x2F) }
                bytes.append(contentsOf: name)
            }
            return RelativePath(bytes: bytes)
        }
    }

    /// Records one more lookup of `nodeID`, found as `name` in `parent`.
    func remember(_ nodeID: UInt64, parent: UInt64, name: some Collection<UInt8>, inode: UInt64) {
        if nodeID == Self.rootID { return }
        nodes.withLock { nodes in
            if var node = nodes[nodeID] {
                node.lookups += 1
                node.inode = inode
                if node.parent != parent || !node.name.elementsEqual(name) {
                    node.parent = parent
                    node.name = Array(name)
                }
                nodes[nodeID] = node
            } else {
                nodes[nodeID] = Node(parent: parent, name: Array(name), lookups: 1, inode: inode)
            }
        }
    }

    /// Remembers `fd` as an open descriptor of the node.
    func opened(_ nodeID: UInt64, fd: Int32) {
        open.withLock { $0[nodeID, default: OpenState()].fd = fd }
    }

    /// Forgets `fd`, which is being closed.
    func closing(_ nodeID: UInt64, fd: Int32) {
        open.withLock { open in
            guard var state = open[nodeID], state.fd == fd else { return }
            state.fd = -1
            open[nodeID] = state.isEmpty ? nil : state
        }
    }

    /// An open descriptor of the node, if any open is known.
    func openDescriptor(_ nodeID: UInt64) -> Int32? {
        open.withLock { open in
            guard let fd = open[nodeID]?.fd, fd >= 0 else { return nil }
            return fd
        }
    }

    /// Records that the node now lives as `name` in `parent` (RENAME).
    func move(_ nodeID: UInt64, to parent: UInt64, name: some Collection<UInt8>) {
        if nodeID == Self.rootID { return }
        nodes.withLock { nodes in
            guard var node = nodes[nodeID] else { return }
            node.parent = parent
            node.name = Array(name)
            nodes[nodeID] = node
        }
    }

    func forget(_ nodeID: UInt64, count: UInt64) {
        if nodeID == Self.rootID { return }
        nodes.withLock { nodes in
            guard var node = nodes[nodeID] else { return }
            node.lookups -= min(count, node.lookups)
            if node.lookups == 0 {
                nodes[nodeID] = nil
            } else {
                nodes[nodeID] = node
            }
        }
    }

    var count: Int { nodes.withLock { $0.count } }

    /// The node's passthrough backing id, registering one with `open` if it has none yet.
    /// One id per node: the kernel refuses a second, different backing file for an inode, so
    /// asking for another `source` while the first is in use is EBUSY.
    func acquireBacking(_ nodeID: UInt64, source: BackingSource, open: () throws(Errno) -> Int32) throws(Errno) -> Int32 {
        try self.open.withLock { (states) throws(Errno) -> Int32 in
            var state = states[nodeID] ?? OpenState()
            if state.backingUsers == 0 {
                state.backingID = try open()
                state.backingSource = source
            } else if state.backingSource != source {
                throw .EBUSY
            }
            state.backingUsers += 1
            states[nodeID] = state
            return state.backingID
        }
    }

    /// Gives up one use of the node's backing id; the last user gets the id back to close.
    func releaseBacking(_ nodeID: UInt64) -> Int32? {
        open.withLock { open in
            guard var state = open[nodeID], state.backingUsers > 0 else { return nil }
            state.backingUsers -= 1
            let last = state.backingUsers == 0
            let id = state.backingID
            if last {
                state.backingID = 0
                state.backingSource = nil
            }
            open[nodeID] = state.isEmpty ? nil : state
            return last ? id : nil
        }
    }
}

/// Which file a passthrough backing id reads: a layer and a path in it.
struct BackingSource: Equatable {
    var layer: UInt8
    var path: [UInt8]
}
