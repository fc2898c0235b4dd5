import MinifoSystem

/// Every path's recorded state as a tree keyed by path component, so that renaming a
/// directory moves its whole subtree in O(depth). The nodes live in one array and refer to
/// each other by position; one hash table for the whole tree finds a child by its parent and
/// name (`MetaIndex+Children.swift`), and each node links its children in a list. No
/// allocation or reference counting per node, no table per directory to grow, and no
/// recursion, however deep the tree. Not thread-safe: `MetaStore` guards it.
struct MetaIndex {
    /// Laid out to fit 64 bytes: the name, the flags, the links, then the wider fields.
    struct Node {
        /// Its name in its parent (nothing for the root and free nodes).
        var name = MetaName.short(0, 0, 0)
        var deleted = false
        var opaque = false
        var hasInode = false
        /// Positions in `nodes`, -1 for none.
        var parent: Int32 = -1
        var firstChild: Int32 = -1
        var next: Int32 = -1
        var previous: Int32 = -1
        /// The child table's hash of (parent, name).
        var hash: UInt32 = 0
        var inodeNumber: UInt64 = 0
        /// State rarer than whiteouts and inode numbers, boxed to keep the common node small.
        var details: Details?

        var inode: UInt64? {
            get { hasInode ? inodeNumber : nil }
            set {
                hasInode = newValue != nil
                inodeNumber = newValue ?? 0
            }
        }

        var hasState: Bool { deleted || opaque || hasInode || details != nil }
        var hasChildren: Bool { firstChild >= 0 }

        /// Records a compacted file needs for this node's own state.
        var recordCount: Int {
            var count = (deleted ? 1 : 0) + (opaque ? 1 : 0) + (hasInode ? 1 : 0)
            if let details {
                count += (details.redirect == nil ? 0 : 1) + (details.attributes == nil ? 0 : 1) + details.xattrs.count
                    + (details.baseLinks == nil ? 0 : 1)
            }
            return count
        }

        /// Changes the boxed state, dropping the box once it is empty.
        mutating func updateDetails(_ body: (Details) -> Void) {
            let box = details ?? Details()
            body(box)
            details = box.isEmpty ? nil : box
        }
    }

    final class Details {
        var redirect: MetaPath?
        var attributes: MetaAttributes?
        var xattrs: [[UInt8]: [UInt8]?] = [:]
        var baseLinks: UInt32?

        var isEmpty: Bool { redirect == nil && attributes == nil && xattrs.isEmpty && baseLinks == nil }
    }

    /// The root is at 0. Every other node in the tree has state or children; the rest are free.
    var nodes = [Node()]
    private var free: [Int] = []
    /// The child table: open addressing with linear probing, at most half full, 0 for an empty
    /// slot. Every node but the root, the free ones and the tops of detached subtrees is in it.
    var slots = [UInt64](repeating: 0, count: 16)
    /// Nodes in the child table.
    var linked = 0
    /// The parent of the node `update` reached last, so that its siblings skip the walk (a
    /// replay or a copy-up changes one directory's entries in a row). Forgotten whenever a
    /// node is freed.
    private var lastParent: (names: ArraySlice<MetaName>, index: Int)?
    /// Records a compacted file would hold.
    private(set) var liveRecords = 0
    /// Changes prepared and not committed yet, by id.
    private(set) var prepared: [UInt64: (condition: StorageCondition, records: [MetaRecord])] = [:]

    /// The node at `path`, or nil if nothing is recorded at or below it.
    func node(_ path: MetaPath) -> Node? {
        var index = 0
        for name in path.components {
            guard let child = child(of: index, named: name) else { return nil }
            index = child
        }
        return index == 0 && !hasRecords ? nil : nodes[index]
    }

    /// The node at `path`, or nil if nothing is recorded at or below it. The path is not
    /// checked: a malformed one matches nothing, since every name in the tree is valid. Most
    /// paths have no records, and the walk stops at the first name missing from the tree.
    func node(_ path: RelativePath) -> Node? {
        if path.isRoot { return hasRecords ? nodes[0] : nil }
        let bytes = path.bytes
        var index = 0
        var start = 0
        for end in 0...bytes.count where end == bytes.count || bytes[end] == 0x2F {
            guard let child = child(of: index, named: MetaName(bytes, start..<end)) else { return nil }
            index = child
            start = end + 1
        }
        return nodes[index]
    }

    var hasRecords: Bool { nodes[0].hasState || nodes[0].hasChildren }

    /// The names directly below `path` that carry a whiteout.
    func deletedNames(in path: RelativePath) -> Set<[UInt8]> {
        guard let node = node(path) else { return [] }
        var names: Set<[UInt8]> = []
        var child = Int(node.firstChild)
        while child >= 0 {
            if nodes[child].deleted { names.insert(nodes[child].name.bytes) }
            child = Int(nodes[child].next)
        }
        return names
    }

    /// Whether applying `record` would leave the index as it is.
    func isNoOp(_ record: MetaRecord) -> Bool {
        switch record {
        case .whiteout(let path, let on): return (node(path)?.deleted ?? false) == on
        case .opaque(let path, let on): return (node(path)?.opaque ?? false) == on
        case .redirect(let path, let target): return node(path)?.details?.redirect == target
        case .attributes(let path, let attributes): return node(path)?.details?.attributes == attributes
        case .xattr(let path, let name, let value): return node(path)?.details?.xattrs[name] == .some(value)
        case .clearXattrs(let path): return node(path)?.details?.xattrs.isEmpty ?? true
        case .inode(let path, let inode): return node(path)?.inode == inode
        case .baseLinks(let path, let count): return node(path)?.details?.baseLinks == count
        case .rename(let from, let to): return from == to || (node(from) == nil && node(to) == nil)
        case .removeTree(let path): return node(path) == nil
        case .prepare: return false
        case .commit(let id, _): return prepared[id] == nil
        }
    }

    /// Applies a well-formed record (`problem` is nil).
    mutating func apply(_ record: MetaRecord) {
        switch record {
        case .whiteout(let path, let on): update(path) { $0.deleted = on }
        case .opaque(let path, let on): update(path) { $0.opaque = on }
        case .redirect(let path, let target): update(path) { $0.updateDetails { $0.redirect = target } }
        case .attributes(let path, let attributes): update(path) { $0.updateDetails { $0.attributes = attributes } }
        case .xattr(let path, let name, let value): update(path) { $0.updateDetails { $0.xattrs[name] = .some(value) } }
        case .clearXattrs(let path): update(path) { $0.updateDetails { $0.xattrs = [:] } }
        case .inode(let path, let inode): update(path) { $0.inode = inode }
        case .baseLinks(let path, let count): update(path) { $0.updateDetails { $0.baseLinks = count } }
        case .rename(let from, let to):
            guard from != to else { return }
            let moving = detach(from)
            if let replaced = detach(to) { release(replaced) }
            if let moving { attach(moving, at: to) }
        case .removeTree(let path):
            if path.isRoot {
                let pending = prepared
                self = MetaIndex()
                prepared = pending
                liveRecords = pending.count
            } else if let removed = detach(path) {
                release(removed)
            }
        case .prepare(let id, let condition, let records):
            if prepared.updateValue((condition, records), forKey: id) == nil { liveRecords += 1 }
        case .commit(let id, let applied):
            guard let changes = prepared.removeValue(forKey: id) else { return }
            liveRecords -= 1
            if applied {
                for record in changes.records { apply(record) }
            }
        }
    }

    /// Runs `body` on the node at `path`, made if missing, then removes it if it is left empty.
    private mutating func update(_ path: MetaPath, _ body: (inout Node) -> Void) {
        var index = 0
        if let name = path.components.last {
            let parentNames = path.components.dropLast()
            if let lastParent, lastParent.names == parentNames {
                index = lastParent.index
            } else {
                index = make(parentNames)
                lastParent = (parentNames, index)
            }
            index = make(CollectionOfOne(name), below: index)
        }
        let before = nodes[index].recordCount
        body(&nodes[index])
        liveRecords += nodes[index].recordCount - before
        if index != 0 && !nodes[index].hasState && !nodes[index].hasChildren, let empty = detach(path) {
            release(empty)
        }
    }

    /// The node at `names` below `start`, made where missing.
    private mutating func make(_ names: some Collection<MetaName>, below start: Int = 0) -> Int {
        var index = start
        for name in names {
            let hash = Self.hash(index, name)
            if let child = child(of: index, named: name, hash: hash) {
                index = child
            } else {
                let child = allocate()
                link(child, below: index, named: name, hash: hash)
                index = child
            }
        }
        return index
    }

    private mutating func allocate() -> Int {
        if let index = free.popLast() { return index }
        nodes.append(Node())
        return nodes.count - 1
    }

    /// Takes the subtree at a non-root `path` out of the tree, with the ancestors that held
    /// nothing else, and returns its node; nil if nothing is recorded there.
    private mutating func detach(_ path: MetaPath) -> Int? {
        // Cut below the deepest ancestor that keeps state or other children.
        var cut = (parent: 0, depth: 0)
        var index = 0
        for (depth, name) in path.components.enumerated() {
            guard let child = child(of: index, named: name) else { return nil }
            if nodes[index].hasState || nodes[Int(nodes[index].firstChild)].next >= 0 {
                cut = (index, depth)
            }
            index = child
        }
        lastParent = nil
        var removed = child(of: cut.parent, named: path.components[cut.depth])!
        unlink(removed)
        // Free the emptied ancestors between the cut and the subtree.
        for _ in path.components[(cut.depth + 1)...] {
            let next = Int(nodes[removed].firstChild)
            unlink(next)
            nodes[removed] = Node()
            free.append(removed)
            removed = next
        }
        return removed
    }

    /// Frees a detached subtree, subtracting its records.
    private mutating func release(_ subtree: Int) {
        var pending = [subtree]
        while let index = pending.popLast() {
            liveRecords -= nodes[index].recordCount
            var child = Int(nodes[index].firstChild)
            while child >= 0 {
                let next = Int(nodes[child].next)
                unlink(child)
                pending.append(child)
                child = next
            }
            nodes[index] = Node()
            free.append(index)
        }
    }

    /// Puts a detached subtree at a non-root `path`, where nothing is recorded.
    private mutating func attach(_ subtree: Int, at path: MetaPath) {
        let parent = make(path.components.dropLast())
        link(subtree, below: parent, named: path.components[path.components.count - 1])
    }

    /// Calls `body` with the records that rebuild the index, parents before children, then the
    /// changes prepared and not committed yet.
    /// ENAMETOOLONG if renames have moved state to a path longer than a record can hold.
    func forEachRecord(_ body: (MetaRecord) throws(Errno) -> Void) throws(Errno) {
        var names: [MetaName] = []
        try emit(nodes[0], names, body)
        var index = Int(nodes[0].firstChild)
        while index >= 0 {
            names.append(nodes[index].name)
            try emit(nodes[index], names, body)
            if nodes[index].hasChildren {
                index = Int(nodes[index].firstChild)
                continue
            }
            // Up to the nearest ancestor with a next sibling.
            while true {
                names.removeLast()
                if nodes[index].next >= 0 {
                    index = Int(nodes[index].next)
                    break
                }
                index = Int(nodes[index].parent)
                if index == 0 {
                    index = -1
                    break
                }
            }
        }
        for (id, changes) in prepared.sorted(by: { $0.key < $1.key }) {
            try body(.prepare(id: id, condition: changes.condition, changes.records))
        }
    }

    private func emit(_ node: Node, _ names: [MetaName], _ body: (MetaRecord) throws(Errno) -> Void) throws(Errno) {
        guard node.hasState else { return }
        guard names.reduce(names.count - 1, { $0 + $1.count }) <= MetaPath.maxLength else { throw .ENAMETOOLONG }
        let path = MetaPath(checked: names)
        if node.deleted { try body(.whiteout(path, true)) }
        if node.opaque { try body(.opaque(path, true)) }
        if let details = node.details {
            if let redirect = details.redirect { try body(.redirect(path, to: redirect)) }
            if let attributes = details.attributes { try body(.attributes(path, attributes)) }
            for (name, value) in details.xattrs { try body(.xattr(path, name: name, value: value)) }
            if let count = details.baseLinks { try body(.baseLinks(path, count)) }
        }
        if let inode = node.inode { try body(.inode(path, inode)) }
    }
}
