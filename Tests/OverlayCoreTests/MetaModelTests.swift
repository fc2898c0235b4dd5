import TestSupport
import Foundation
import MinifoSystem
import OverlayCore
import Testing

/// The store's contract as a plain dictionary from path bytes to state.
struct MetaModel {
    struct State: Equatable {
        var deleted = false
        var opaque = false
        var redirect: RelativePath?
        var attributes: MetaAttributes?
        var xattrs: [[UInt8]: [UInt8]?] = [:]
        var inode: UInt64?

        var isEmpty: Bool { self == State() }
        var recordCount: Int {
            (deleted ? 1 : 0) + (opaque ? 1 : 0) + (redirect == nil ? 0 : 1) + (attributes == nil ? 0 : 1) + xattrs.count
                + (inode == nil ? 0 : 1)
        }
    }

    private(set) var states: [RelativePath: State] = [:]

    mutating func update(_ path: RelativePath, _ body: (inout State) -> Void) {
        var state = states[path] ?? State()
        body(&state)
        states[path] = state.isEmpty ? nil : state
    }

    static func isWithin(_ path: RelativePath, _ top: RelativePath) -> Bool {
        top.isRoot || path == top || path.bytes.starts(with: top.bytes + [0x2F])
    }

    mutating func removeTree(_ top: RelativePath) {
        states = states.filter { !Self.isWithin($0.key, top) }
    }

    mutating func rename(_ from: RelativePath, to: RelativePath) {
        guard from != to else { return }
        let moving = states.filter { Self.isWithin($0.key, from) }
        removeTree(from)
        removeTree(to)
        for (path, state) in moving {
            states[RelativePath(bytes: to.bytes + path.bytes.dropFirst(from.bytes.count))] = state
        }
    }

    static func parent(_ path: RelativePath) -> RelativePath? {
        if path.isRoot { return nil }
        guard let slash = path.bytes.lastIndex(of: 0x2F) else { return .root }
        return RelativePath(bytes: Array(path.bytes[..<slash]))
    }

    /// Every query's expected answer for `paths`.
    func expected(_ paths: Set<RelativePath>) -> [RelativePath: MetaPathState] {
        var deletedNames: [RelativePath: Set<[UInt8]>] = [:]
        var occupied: Set<RelativePath> = []
        for (path, state) in states {
            if state.deleted, let parent = Self.parent(path) {
                let name = parent.isRoot ? path.bytes : Array(path.bytes.dropFirst(parent.bytes.count + 1))
                deletedNames[parent, default: []].insert(name)
            }
            var ancestor: RelativePath? = path
            while let current = ancestor, occupied.insert(current).inserted { ancestor = Self.parent(current) }
        }
        return Dictionary(uniqueKeysWithValues: paths.map { path in
            let state = states[path] ?? State()
            return (path, MetaPathState(deleted: state.deleted, opaque: state.opaque, redirect: state.redirect,
                                        attributes: state.attributes, xattrs: state.xattrs, inode: state.inode,
                                        deletedNames: deletedNames[path] ?? [], hasRecords: occupied.contains(path)))
        })
    }

    var liveRecords: Int { states.values.reduce(0) { $0 + $1.recordCount } }
}

extension MetaPathState {
    init(deleted: Bool, opaque: Bool, redirect: RelativePath?, attributes: MetaAttributes?, xattrs: [[UInt8]: [UInt8]?],
         inode: UInt64?, deletedNames: Set<[UInt8]>, hasRecords: Bool) {
        self.deleted = deleted
        self.opaque = opaque
        self.redirect = redirect
        self.attributes = attributes
        self.xattrs = xattrs
        self.inode = inode
        self.deletedNames = deletedNames
        self.hasRecords = hasRecords
    }
}

@Suite struct MetaModelTests {
    static let names: [[UInt8]] = [Array("a".utf8), Array("b c".utf8), [0x0A], [0xFF, 0xFE], Array("..d".utf8)]

    static func randomPath(_ random: inout SeededRandom, rootAllowed: Bool) -> RelativePath {
        var path = RelativePath.root
        let depth = Int.random(in: rootAllowed ? 0...3 : 1...3, using: &random)
        for _ in 0..<depth { path = path.appending(names.randomElement(using: &random)!) }
        return path
    }

    static var universe: [RelativePath] {
        var paths = [RelativePath.root]
        var level = [RelativePath.root]
        for _ in 0..<3 {
            level = level.flatMap { parent in names.map { parent.appending($0) } }
            paths += level
        }
        return paths
    }

    @Test(arguments: [11, 12, 13, 14, 15] as [UInt64])
    func randomChangesMatchTheModel(seed: UInt64) throws {
        let fixture = try MetaFixture()
        var random = SeededRandom(seed: seed)
        var model = MetaModel()
        var store = try fixture.open()
        let xattrNames: [[UInt8]] = [Array("user.a".utf8), Array("trusted.b".utf8), [0x01, 0xFF]]

        func compare(_ when: String) {
            var paths = Set(Self.universe)
            for path in model.states.keys {
                var ancestor: RelativePath? = path
                while let current = ancestor, paths.insert(current).inserted { ancestor = MetaModel.parent(current) }
            }
            for (path, expected) in model.expected(paths) {
                let actual = MetaPathState(store, path)
                if actual != expected {
                    Issue.record("seed \(seed), \(when), path \(path.bytes): store \(actual), model \(expected)")
                    return
                }
            }
            #expect(store.liveRecordCount == model.liveRecords, "seed \(seed), \(when)")
        }

        for step in 0..<3000 {
            let path = Self.randomPath(&random, rootAllowed: false)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<15:
                let on = Bool.random(using: &random)
                try store.setDeleted(path, on)
                model.update(path) { $0.deleted = on }
            case 15..<23:
                let on = Bool.random(using: &random)
                try store.setOpaque(path, on)
                model.update(path) { $0.opaque = on }
            case 23..<31:
                let target = Bool.random(using: &random) ? Self.randomPath(&random, rootAllowed: false) : nil
                try store.setRedirect(path, to: target)
                model.update(path) { $0.redirect = target }
            case 31..<41:
                let path = Self.randomPath(&random, rootAllowed: true)
                var attributes = MetaAttributes()
                if Bool.random(using: &random) { attributes.mode = UInt32.random(in: 0...0o177777, using: &random) }
                if Bool.random(using: &random) { attributes.uid = UInt32.random(in: 0...UInt32.max, using: &random) }
                if Bool.random(using: &random) { attributes.gid = UInt32.random(in: 0...3, using: &random) }
                if Bool.random(using: &random) {
                    attributes.atime = Timespec(seconds: Int64.random(in: Int64.min...Int64.max, using: &random), nanoseconds: 999_999_999)
                }
                if Bool.random(using: &random) { attributes.mtime = Timespec(seconds: Int64(step), nanoseconds: Int64(step % 1000)) }
                try store.setAttributes(path, attributes)
                model.update(path) { $0.attributes = attributes.isEmpty ? nil : attributes }
            case 41..<53:
                let path = Self.randomPath(&random, rootAllowed: true)
                let name = xattrNames.randomElement(using: &random)!
                let value: [UInt8]? = Bool.random(using: &random) ? (0..<Int.random(in: 0...8, using: &random)).map { UInt8($0) } : nil
                try store.setXattr(path, name: name, value: value)
                model.update(path) { $0.xattrs[name] = .some(value) }
            case 53..<57:
                try store.clearXattrs(path)
                model.update(path) { $0.xattrs = [:] }
            case 57..<67:
                let inode = Bool.random(using: &random) ? UInt64.random(in: 0...UInt64.max, using: &random) : nil
                try store.setInode(path, inode)
                model.update(path) { $0.inode = inode }
            case 67..<82:
                let to = Self.randomPath(&random, rootAllowed: false)
                if MetaModel.isWithin(to, path) && to != path {
                    #expect(throws: Errno.EINVAL) { try store.rename(path, to: to) }
                } else {
                    try store.rename(path, to: to)
                    model.rename(path, to: to)
                }
            case 82..<88:
                let path = Self.randomPath(&random, rootAllowed: Int.random(in: 0..<20, using: &random) == 0)
                try store.removeTree(path)
                model.removeTree(path)
            case 88..<90:
                store = try fixture.open()
                #expect(store.warnings.isEmpty)
                compare("step \(step), after a reopen")
            case 90..<91:
                try store.compact()
                compare("step \(step), after compaction")
            default:
                try store.sync()
            }
            if step % 100 == 0 { compare("step \(step)") }
        }
        store = try fixture.open()
        compare("the end, after a reopen")
        #expect(try fixture.fileNames() == ["META_dAfFgHE39ktF3HD2sr"])
    }
}
