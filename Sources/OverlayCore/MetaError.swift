import MinifoSystem

/// Why the META file could not be opened.
public enum MetaError: Error, Sendable, CustomStringConvertible {
    /// The file was made for another base directory.
    case baseMismatch(recorded: String, given: String)
    /// The bytes at `offset` are not a valid header or record, and valid records follow them
    /// (a damaged record at the very end is a torn append and is dropped instead).
    case corrupt(offset: Int, reason: String)
    /// A system call failed; the string says what minifo was doing.
    case io(Errno, String)

    public var description: String {
        let file = String(decoding: MetaStore.fileName, as: UTF8.self)
        switch self {
        case .baseMismatch(let recorded, let given):
            return "the storage directory belongs to the base \(recorded), not to \(given) (its \(file) file says so); "
                + "mount it with its own base, or add -o adopt_base to use it with this one"
        case .corrupt(let offset, let reason):
            return "the \(file) file in the storage directory is damaged at byte offset \(offset): \(reason); "
                + "minifo will not guess at the lost changes: keep a copy of the file, then run `minifo check --repair` "
                + "to drop the damaged records"
        case .io(let errno, let context):
            return "\(context): \(errno)"
        }
    }
}
