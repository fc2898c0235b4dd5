import MinifoSystem
import OverlayCore
import Synchronization

/// The nodes the kernel knows, keyed by node ID, with their lookup counts (FUSE_LOOKUP raises
/// a count, FUSE_FORGET lowers it; a node at zero is dropped). A node remembers its parent and
/// name rather than a descriptor, which keeps both memory and open files small.
///
/// Node IDs are the overlay's entry identities (inode numbers in the mount), except that the
/// root is always 1 (FUSE_ROOT_ID): the root's own identity and 1 swap places, so the mapping
/// stays one-to-one. One exception: a node bound to its base file by opens from before a
/// copy-up is superseded, and its object gets a node ID of its own (see `supersede`).
///
/// What only open nodes need (passthrough backing, a descriptor) is kept apart, so the many
/// nodes a tree walk leaves behind cost 32 bytes each plus their name.
final class NodeTable: Sendable {
    struct Node {
        var parent: UInt64
        var name: [UInt8]
        /// The lookup count in the low 56 bits and the object's type (S_IFMT >> 12) above them,
        /// which keeps a node at 32 bytes.
        private var lookupsAndType: UInt64
        /// The inode number the mount shows for it.
        var inode: UInt64

        init(parent: UInt64, name: [UInt8], inode: UInt64, type: FileType) {
            self.parent = parent
            self.name = name
            self.inode = inode
            lookupsAndType = UInt64(type.rawValue >> 12) << 56 | 1
        }

        private static let lookupMask: UInt64 = (1 << 56) - 1

        var lookups: UInt64 {
            get { lookupsAndType & Self.lookupMask }
            set { lookupsAndType = lookupsAndType & ~Self.lookupMask | newValue & Self.lookupMask }
        }

        var type: FileType { FileType(mode: UInt32(lookupsAndType >> 56) << 12) }
    }

    /// The state of a node with open files.
    struct OpenState {
        /// Passthrough backing id shared by every open of this node, and how many opens use it.
        var backingID: Int32 = 0
        var backingUsers: Int32 = 0
        /// The layer object (`Entry.layerObject`) the backing id reads.
        var backingSource: UInt64?
        /// The files the opens of this node hold, for GETATTR once the name is gone.
        var fds: [LayerFile] = []

        var isEmpty: Bool { backingUsers == 0 && fds.isEmpty }
    }

    static let rootID: UInt64 = 1
    let rootIdentity: UInt64
    private let nodes: Mutex<[UInt64: Node]>
    /// Lock order: `nodes` is never held while taking `open`, nor the other way round.
    private let open = Mutex<[UInt64: OpenState]>([:])
    /// Identities whose node was superseded, with the node ID that stands for them now.
    private let aliases = Mutex<[UInt64: UInt64]>([:])
    /// What the kernel's nodes without a name looked like when their name went, for fstat(2)
    /// of an open FIFO, device or directory whose name is gone.
    private let removedStats = Mutex<[UInt64: FileStat]>([:])
    private let aliasCount = Atomic<Int>(0)
    private let lastAlias = Atomic<UInt64>(0)
    /// Superseding node IDs come from a range inode numbers in the mount never reach.
    private static let aliasRange: UInt64 = 1 << 61

    init(rootIdentity: UInt64) {
        self.rootIdentity = rootIdentity
        nodes = Mutex([Self.rootID: Node(parent: 0, name: [], inode: 0, type: .directory)])
    }

    func nodeID(for identity: UInt64) -> UInt64 {
        if aliasCount.load(ordering: .acquiring) > 0, let alias = aliases.withLock({ $0[identity] }) { return alias }
        return plainNodeID(for: identity)
    }

    /// Every node the kernel may know the object by: its superseding node and its own.
    func nodeIDs(for identity: UInt64) -> [UInt64] {
        let plain = plainNodeID(for: identity)
        let current = nodeID(for: identity)
        return current == plain ? [plain] : [current, plain]
    }

    private func plainNodeID(for identity: UInt64) -> UInt64 {
        if identity == rootIdentity { return Self.rootID }
        if identity == Self.rootID { return rootIdentity }
        return identity
    }

    /// Gives the object `identity` a new node ID: its node is bound to the base file by opens
    /// from before the copy-up, and the kernel allows one backing file per node, so opens of
    /// the copy need a node of their own. Lookups return the new ID from now on, even after the
    /// kernel forgets it: a LOOKUP whose answer the kernel drops is forgotten at once, and the
    /// retried open must still find the new ID. Supersessions are rare, so the map stays small.
    func supersede(_ identity: UInt64) {
        let alias = Self.aliasRange | lastAlias.add(1, ordering: .relaxed).newValue
        aliases.withLock { $0[identity] = alias }
        aliasCount.add(1, ordering: .releasing)
    }

    /// The node ID a new entry of `entry` goes to the kernel under (LOOKUP, READDIRPLUS,
    /// CREATE). Storage gives a freed inode number to the next object it makes, while the
    /// kernel may still hold the node of the removed object that had it (an open file, a
    /// directory some process is in): such a node has no name, or, when the object went
    /// behind the daemon's back, another type. Since the kernel must never see one node ID
    /// for two objects (it marks a node whose type changes bad: EIO), the new object gets a
    /// node ID of its own (`supersede`). An object just `created` is none the kernel knows:
    /// any node of its inode number stands for another.
    func entryNodeID(for entry: Entry, created: Bool = false) -> UInt64 {
        let current = nodeID(for: entry.identity)
        let taken = nodes.withLock { nodes in
            guard current != Self.rootID, let node = nodes[current] else { return false }
            return created || node.parent == Self.removed.parent || node.type != entry.stat.fileType
        }
        if !taken { return current }
        supersede(entry.identity)
        return nodeID(for: entry.identity)
    }

    /// Whether `entry`, found under the node's name, is the node's object: a rename in another
    /// thread may have put another object there (another type, perhaps), whose attributes are
    /// not the node's.
    func isNode(_ nodeID: UInt64, of entry: Entry) -> Bool {
        guard nodeIDs(for: entry.identity).contains(nodeID) else { return false }
        return nodeID == Self.rootID || nodes.withLock { $0[nodeID]?.type } == entry.stat.fileType
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
                if current == Self.removed.parent { throw .ENOENT }
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
    func remember(_ nodeID: UInt64, parent: UInt64, name: some Collection<UInt8>, inode: UInt64, type: FileType) {
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
                nodes[nodeID] = Node(parent: parent, name: Array(name), inode: inode, type: type)
            }
        }
    }

    /// Remembers `file` as open on the node.
    func opened(_ nodeID: UInt64, _ file: LayerFile) {
        open.withLock { $0[nodeID, default: OpenState()].fds.append(file) }
    }

    /// Forgets the file open as `fd`, which is being closed.
    func closing(_ nodeID: UInt64, fd: Descriptor<ReadOnly>) {
        open.withLock { open in
            guard var state = open[nodeID], let index = state.fds.lastIndex(where: { $0.readOnly == fd }) else { return }
            state.fds.remove(at: index)
            open[nodeID] = state.isEmpty ? nil : state
        }
    }

    /// A file open on the node, if any open is known.
    func openDescriptor(_ nodeID: UInt64) -> LayerFile? {
        open.withLock { open in
            open[nodeID]?.fds.last
        }
    }

    /// A name in a directory node. A node may also be given a whole path as its name, below
    /// the root: `path(of:)` joins names with "/".
    typealias Place = (parent: UInt64, name: ArraySlice<UInt8>)
    /// Where a node whose name was removed lives: nowhere, so that `path(of:)` is ENOENT and
    /// GETATTR answers from an open descriptor, as fstat(2) of an unlinked file does.
    static let removed: Place = (0, [])

    /// RENAME: the nodes of `moved` known as `from` now live as `to`; at the same time those of
    /// `displaced` known as `to` go to `displacedTo` (`from` for RENAME_EXCHANGE, where a
    /// replaced file's other names find it, or `removed`). A node shared by hard links is known
    /// by one of its names only, and keeps it when another goes.
    /// `lastStat` is what a node left without a name looked like.
    func rename(_ moved: [UInt64], from: Place, to: Place, displaced: [UInt64] = [], displacedTo: Place? = nil,
                lastStat: FileStat? = nil) {
        let orphans = nodes.withLock { nodes in
            func isAt(_ id: UInt64, _ place: Place) -> Bool {
                guard id != Self.rootID, let node = nodes[id] else { return false }
                return node.parent == place.parent && node.name.elementsEqual(place.name)
            }
            let movers = moved.filter { isAt($0, from) }
            let swappers = displaced.filter { !moved.contains($0) && isAt($0, to) }
            for id in movers {
                nodes[id]!.parent = to.parent
                nodes[id]!.name = Array(to.name)
            }
            if let displacedTo {
                for id in swappers {
                    nodes[id]!.parent = displacedTo.parent
                    nodes[id]!.name = Array(displacedTo.name)
                }
            }
            return (to.parent == Self.removed.parent ? movers : [])
                + (displacedTo?.parent == Self.removed.parent ? swappers : [])
        }
        if let lastStat { rememberRemoved(orphans, lastStat) }
    }

    /// The object `identity` is gone: its last name was removed. Every node the kernel knows it
    /// by is left without a name, wherever the node was found, since storage gives the object's
    /// inode number to the next object it makes, which must get a node of its own: one node
    /// ID for two objects is one inode to the kernel, bad (EIO) once their types differ.
    func objectGone(_ identity: UInt64, lastStat: FileStat) {
        let ids = nodeIDs(for: identity).filter { $0 != Self.rootID }
        if aliasCount.load(ordering: .acquiring) > 0 { _ = aliases.withLock { $0.removeValue(forKey: identity) } }
        let orphans = nodes.withLock { nodes in
            ids.filter { id in
                // A node already without a name, or of another type, stands for an earlier
                // object that had this inode number.
                guard let node = nodes[id], node.parent != Self.removed.parent, node.type == lastStat.fileType else { return false }
                nodes[id]!.parent = Self.removed.parent
                nodes[id]!.name = []
                return true
            }
        }
        rememberRemoved(orphans, lastStat)
    }

    private func rememberRemoved(_ orphans: [UInt64], _ lastStat: FileStat) {
        guard !orphans.isEmpty else { return }
        var lastStat = lastStat
        lastStat.linkCount = lastStat.fileType == .directory ? 0 : lastStat.linkCount - min(lastStat.linkCount, 1)
        lastStat.changeTime = Timespec.now
        removedStats.withLock { stats in
            for id in orphans { stats[id] = lastStat }
        }
    }

    /// Changes what a node without a name looks like; ENOENT for a node with a name.
    func changeLastStat(of nodeID: UInt64, _ body: (inout FileStat) -> Void) throws(Errno) -> FileStat {
        try removedStats.withLock { (stats) throws(Errno) -> FileStat in
            guard var stat = stats[nodeID] else { throw .ENOENT }
            body(&stat)
            stat.changeTime = Timespec.now
            stats[nodeID] = stat
            return stat
        }
    }

    /// What the node without a name looked like when its name went; ENOENT for any other.
    func lastStat(of nodeID: UInt64) throws(Errno) -> FileStat {
        guard let stat = removedStats.withLock({ $0[nodeID] }) else { throw .ENOENT }
        return stat
    }

    func forget(_ nodeID: UInt64, count: UInt64) {
        if nodeID == Self.rootID { return }
        nodes.withLock { nodes in
            guard var node = nodes[nodeID] else { return }
            node.lookups -= min(count, node.lookups)
            if node.lookups == 0 {
                nodes[nodeID] = nil
                removedStats.withLock { _ = $0.removeValue(forKey: nodeID) }
            } else {
                nodes[nodeID] = node
            }
        }
    }

    var count: Int { nodes.withLock { $0.count } }

    /// The node's passthrough backing id, registering one with `open` if it has none yet.
    /// One id per node: the kernel refuses a second, different backing file for an inode, so
    /// asking for another `source` (the layer object to read) while the first is
    /// in use is EBUSY.
    func acquireBacking(_ nodeID: UInt64, source: UInt64, open: () throws(Errno) -> Int32) throws(Errno) -> Int32 {
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
