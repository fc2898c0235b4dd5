import MinifoSystem
import OverlayCore

/// `minifo merge`: makes the base what the mount of a storage directory shows (the one
/// operation that writes the base), then empties the storage directory, leaving a META file
/// for the same base. The storage directory is locked against mounts throughout, and nothing
/// in it changes until the base is done, so an interrupted merge is finished from its journal
/// (`MergeJournal`) by running it again; `MergePlan` says what the steps are.
public final class StorageMerge {
    /// The storage directory, canonical.
    public let storage: String
    /// The base, as the META file (or an interrupted merge's journal) names it.
    public let base: String
    public let steps: [MergeStep]
    /// How many steps an interrupted merge finished, by its journal; 0 for a new merge.
    public let done: Int
    /// Whether this finishes an interrupted merge.
    public var resumed: Bool { journalFound }
    /// Repairs made while reading META, to print as warnings.
    public let warnings: [String]
    private let journalFound: Bool
    private let lock: StorageLock?
    let storageRoot: OwnedDescriptor<StorageTree>
    /// The base, opened to be written: the one descriptor that changes it (`openMergeTarget`).
    let baseRoot: OwnedDescriptor<MergeTarget>

    /// Opens the storage directory `given` for merging and plans the merge, or reads the plan
    /// of an interrupted one. Unless `dryRun`, takes its lock (`.mounted` while a mount or
    /// another tool holds it) and makes sure the base can be written. Writes nothing.
    public init(_ given: String, dryRun: Bool) throws(MergeError) {
        do throws(StorageError) {
            storage = try StorageDirectory.directory(given)
            lock = dryRun ? nil : try StorageDirectory.lock(storage, then: "merge it")
        } catch {
            throw .storage(error)
        }
        do {
            storageRoot = OwnedDescriptor(owning: try .openRoot(storage))
        } catch {
            throw .io(error, "opening \(storage)")
        }
        if let journal = try MergeJournal.read(storageRoot: storageRoot.descriptor) {
            journalFound = true
            (base, steps, done) = journal
            warnings = []
            // The META file is gone for a moment when an interrupted merge was resetting it.
            if let named = try? StorageDirectory.recordedBase(storage), named != base {
                throw .baseMismatch(storage: storage, journal: base, meta: named)
            }
            do { try StorageDirectory.checkBase(base, storage: storage) } catch { throw .storage(error) }
        } else {
            let directory: StorageDirectory
            do { directory = try StorageDirectory(storage) } catch { throw .storage(error) }
            journalFound = false
            base = directory.base
            warnings = directory.warnings
            steps = try MergePlan(directory.overlay).steps
            done = 0
        }
        do {
            baseRoot = OwnedDescriptor(owning: try openMergeTarget(base))
            if !dryRun { try checkAccess(base, mode: accessReadWrite | accessExecute) }
        } catch {
            throw .baseNotWritable(base, error)
        }
    }

    /// Runs the steps not done yet, recording progress in the journal, then empties the
    /// storage directory. `stopAfter` stops once that many steps have run, without recording
    /// the last of them, as a crash would (the test hook MINIFO_MERGE_STOP_AFTER); it returns
    /// false then. `progress` hears of each step, and of the bytes of a file as they are copied.
    public func run(stopAfter: Int? = nil, progress: (MergeProgress) -> Void) throws(MergeError) -> Bool {
        let journal: OwnedDescriptor<StorageTree>
        do {
            journal = OwnedDescriptor(owning: journalFound
                ? try openat(storageRoot.descriptor, Names.merge, [.writeOnly, .append, .noFollow])
                : try MergeJournal.create(steps, base: base, storageRoot: storageRoot.descriptor))
        } catch {
            throw .io(error, "writing the merge journal in \(storage)")
        }
        var state = MergeProgress(entries: done, totalEntries: steps.count, bytes: 0, totalBytes: remainingBytes())
        var recorded = done
        var ran = 0
        for index in done..<steps.count {
            let step = steps[index]
            do {
                try apply(step) { bytes in
                    state.bytes += bytes
                    progress(state)
                }
            } catch {
                try? record(index, journal.descriptor)
                throw .interrupted(step: step.line ?? "preparing \(base)", error, done: index, of: steps.count, storage: storage)
            }
            state.entries = index + 1
            state.finished = step
            progress(state)
            state.finished = nil
            ran += 1
            if let stopAfter, ran >= stopAfter { return false }
            if index + 1 - recorded >= Self.recordEvery {
                do { try record(index + 1, journal.descriptor) } catch {
                    throw .interrupted(step: "recording progress", error, done: index + 1, of: steps.count, storage: storage)
                }
                recorded = index + 1
            }
        }
        do {
            try record(steps.count, journal.descriptor)
            try emptyStorage()
        } catch {
            throw .interrupted(step: "emptying \(storage)", error, done: steps.count, of: steps.count, storage: storage)
        }
        withExtendedLifetime(lock) {}
        return true
    }

    /// Steps between progress records; each record costs a syncfs(2) of the base.
    static let recordEvery = 16

    /// Makes the base's side of the first `done` steps durable, then says so in the journal.
    private func record(_ done: Int, _ journal: StorageDescriptor) throws(Errno) {
        try synchronizeFileSystem(baseRoot.descriptor)
        try MergeJournal.record(done: done, to: journal)
    }

    /// The bytes of the files still to be written.
    private func remainingBytes() -> Int64 {
        steps[done...].reduce(0) { total, step in
            guard case .copy(_, let source) = step, let stat = try? lstatat(storageRoot.descriptor, source.bytes),
                  stat.fileType == .regular else { return total }
            return total + stat.size
        }
    }

    /// Removes everything from the storage directory but its META file, which then starts
    /// again, empty, for the same base, and the work directory, which holds the lock (it is
    /// emptied, of a daemon's stale control socket too); the journal goes last.
    private func emptyStorage() throws(Errno) {
        let root = storageRoot.descriptor
        let reader = DirectoryReader(owning: try openat(root, [0x2E], [.directory]))
        var names: [[UInt8]] = []
        while let entry = try reader.next() {
            if !entry.isDotOrDotDot && ![Names.merge, Names.meta, Names.work].contains(entry.name) { names.append(entry.name) }
        }
        for name in try names + workDirectoryLeftovers(root, withSocket: true) { try removeTree(root, name) }
        do {
            try removeName(root, Names.meta, directory: false)
        } catch .ENOENT {}
        do {
            _ = try MetaStore(storageRoot: root, basePath: base)
        } catch {
            throw .EIO
        }
        try removeName(root, Names.merge, directory: false)
        try MergeJournal.synchronizeDirectory(root)
    }
}

/// How far a merge has got.
public struct MergeProgress: Sendable {
    public var entries: Int
    public var totalEntries: Int
    /// Bytes of file data written by this run, and still to write when it started.
    public var bytes: Int64
    public var totalBytes: Int64
    /// The step just finished; nil while a file is being copied.
    public var finished: MergeStep?
}
