/// Which tree of files a descriptor reaches, as a type, so that the compiler keeps the base
/// unwritten: every call in this module that changes a file or a directory takes only a
/// descriptor of a `WritableTree`, and the base's (`BaseTree`) is none. Calls that only read
/// take a descriptor of any tree.
public protocol FileTree {}
/// A tree that descriptors only read: `openat` in it takes `ReadOpenFlags`.
public protocol ReadOnlyTree: FileTree {}
/// A tree that calls may change.
public protocol WritableTree: FileTree {}
/// A tree whose root is opened by its path (`Descriptor.openRoot`).
public protocol RootedTree: FileTree {}

/// The read-only base of an overlay.
public enum BaseTree: ReadOnlyTree, RootedTree {}
/// An overlay's storage directory, which holds every change.
public enum StorageTree: WritableTree, RootedTree {}
/// Any descriptor, as only read through: an object of whichever layer holds it.
public enum ReadOnly: ReadOnlyTree {}
/// The base as `minifo merge`, its one writer, writes it; made by `openMergeTarget` alone.
public enum MergeTarget: WritableTree {}
/// Files in neither layer: what a command writes where its user asks.
public enum OutsideLayers: WritableTree, RootedTree {}

/// A descriptor of a file or directory in the tree `Tree`; not owned (see `OwnedDescriptor`).
/// New ones come from `openat` below one of the same tree, so a base descriptor never leads
/// to a writable one.
public struct Descriptor<Tree: FileTree>: Sendable, Hashable {
    public let rawValue: Int32

    init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// A descriptor number that comes back from the kernel (a FUSE file handle) or from a
    /// table, whose tree the caller knows from what it recorded with the number.
    public init(unchecked rawValue: Int32) { self.rawValue = rawValue }

    /// No descriptor (-1), for a field that holds one only sometimes.
    public static var none: Descriptor { Descriptor(-1) }

    /// The same descriptor, for reading only.
    public var readOnly: Descriptor<ReadOnly> { Descriptor<ReadOnly>(rawValue) }
}

public typealias BaseDescriptor = Descriptor<BaseTree>
public typealias StorageDescriptor = Descriptor<StorageTree>

extension Descriptor where Tree: RootedTree {
    /// open(2) of the directory at `path` as the root of a tree of this kind: O_PATH, unless
    /// `flags` ask for a descriptor that can be read (listed, fsynced, locked).
    public static func openRoot(_ path: String, _ flags: ReadOpenFlags = [.path]) throws(Errno) -> Descriptor {
        Descriptor(try open(path, OpenFlags(rawValue: flags.rawValue & ~ReadOpenFlags.writing).union(.directory)))
    }
}

/// The base directory at `path`, opened for `minifo merge` to write: the one way to a
/// descriptor that changes the base.
public func openMergeTarget(_ path: String) throws(Errno) -> Descriptor<MergeTarget> {
    Descriptor(try open(path, [.directory]))
}

/// A descriptor that is closed when it goes out of scope.
public struct OwnedDescriptor<Tree: FileTree>: ~Copyable {
    private let owner: FileDescriptor

    public init(owning descriptor: Descriptor<Tree>) { owner = FileDescriptor(owning: descriptor.rawValue) }

    public var descriptor: Descriptor<Tree> { Descriptor(owner.rawValue) }

    /// Hands the descriptor to the caller, who closes it.
    public consuming func release() -> Descriptor<Tree> {
        Descriptor(owner.release())
    }
}
