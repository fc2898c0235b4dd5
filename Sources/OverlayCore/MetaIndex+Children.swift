/// The index's one child table: finds a node by its parent's position and its name, as a
/// dictionary per directory would, without a table per directory to allocate and grow.
/// A slot holds a node's hash beside its position, so probing past other keys reads the table
/// alone, not the nodes.
extension MetaIndex {
    /// The position of the child `name` of the node at `parent`.
    func child(of parent: Int, named name: MetaName) -> Int? {
        child(of: parent, named: name, hash: Self.hash(parent, name))
    }

    func child(of parent: Int, named name: MetaName, hash: UInt32) -> Int? {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if UInt32(truncatingIfNeeded: entry >> 32) == hash {
                let candidate = Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: entry))
                if nodes[candidate].parent == parent && nodes[candidate].name == name { return candidate }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Makes the new or detached node at `child` the child `name` of the node at `parent`,
    /// which has no child of that name.
    mutating func link(_ child: Int, below parent: Int, named name: MetaName, hash: UInt32? = nil) {
        if (linked + 1) * 2 > slots.count { rebuildSlots(count: slots.count * 2) }
        let hash = hash ?? Self.hash(parent, name)
        let first = nodes[parent].firstChild
        nodes[child].name = name
        nodes[child].parent = Int32(parent)
        nodes[child].hash = hash
        nodes[child].previous = -1
        nodes[child].next = first
        if first >= 0 { nodes[Int(first)].previous = Int32(child) }
        nodes[parent].firstChild = Int32(child)
        insert(child, hash: hash)
        linked += 1
    }

    /// Takes the node at `child` out of its parent's children; its own children stay below it.
    mutating func unlink(_ child: Int) {
        let (parent, previous, next, hash) = (nodes[child].parent, nodes[child].previous, nodes[child].next, nodes[child].hash)
        if previous >= 0 { nodes[Int(previous)].next = next } else { nodes[Int(parent)].firstChild = next }
        if next >= 0 { nodes[Int(next)].previous = previous }
        nodes[child].parent = -1
        nodes[child].previous = -1
        nodes[child].next = -1
        // Linear probing without tombstones: later entries of the run move back into the hole
        // unless that would put them before their home slot.
        let mask = slots.count - 1
        var hole = Int(hash) & mask
        while slots[hole] != Self.entry(child, hash) { hole = (hole + 1) & mask }
        var slot = hole
        while true {
            slot = (slot + 1) & mask
            let moving = slots[slot]
            if moving == 0 { break }
            let home = Int(truncatingIfNeeded: moving >> 32) & mask
            if (slot - home) & mask >= (slot - hole) & mask {
                slots[hole] = moving
                hole = slot
            }
        }
        slots[hole] = 0
        linked -= 1
    }

    /// Makes room for about `count` nodes, so that loading a file does not grow the node array
    /// and the table again and again. Node capacity that stays unused is never touched.
    mutating func reserveCapacity(_ count: Int) {
        nodes.reserveCapacity(count + 1)
        var slotCount = slots.count
        while slotCount < 2 * count { slotCount *= 2 }
        if slotCount > slots.count { rebuildSlots(count: slotCount) }
    }

    /// The slot of a node: its hash, then its position, never 0 since the root is in no slot.
    private static func entry(_ node: Int, _ hash: UInt32) -> UInt64 {
        UInt64(hash) << 32 | UInt64(node)
    }

    private mutating func insert(_ node: Int, hash: UInt32) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Self.entry(node, hash)
    }

    /// Every linked node has a parent; the root, free nodes and detached subtrees' tops have none.
    private mutating func rebuildSlots(count: Int) {
        slots = [UInt64](repeating: 0, count: count)
        for index in nodes.indices where nodes[index].parent >= 0 { insert(index, hash: nodes[index].hash) }
    }

    /// Seeded per process by `Hasher`, so names chosen to collide cannot slow the table down.
    static func hash(_ parent: Int, _ name: MetaName) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(parent)
        hasher.combine(name)
        return UInt32(truncatingIfNeeded: hasher.finalize())
    }
}
