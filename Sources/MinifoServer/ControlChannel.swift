import MinifoSystem

/// The control channel of a mount's daemon: a Unix stream socket in the abstract namespace,
/// named after the storage directory's device and inode numbers, so that a command given the
/// storage directory reaches the daemon serving it. Only root and the user the daemon runs as
/// may use it (SO_PEERCRED).
///
/// A request is a u32 length (little-endian) and that many bytes: a command byte, then its
/// arguments, each ended by a NUL. The reply is a u8 status (0 done, 1 refused), a u32 length
/// and that many bytes of text, one line per item.
public enum ControlChannel {
    public enum Command: UInt8, Sendable {
        /// Arguments: the paths to revert, as `minifo revert` takes them.
        case revert = 1
        /// No arguments: answers whether a daemon serves the storage directory.
        case ping = 2
    }

    public struct Reply: Sendable {
        public var done: Bool
        public var text: String
    }

    /// Requests larger than this are refused unread.
    static let largestRequest = 16 << 20

    /// The socket name for the storage directory with these numbers.
    static func name(device: UInt64, inode: UInt64) -> [UInt8] {
        Array("minifo/control/\(device):\(inode)".utf8)
    }

    /// The socket name for the storage directory at `path`.
    static func name(storage path: String) throws(Errno) -> [UInt8] {
        let stat = try stat(path: path)
        return name(device: stat.device, inode: stat.inode)
    }

    /// Sends `command` to the daemon serving the storage directory at `storage` and waits for its
    /// reply. ECONNREFUSED when no daemon listens for it.
    public static func request(storage: String, _ command: Command, _ arguments: [String]) throws(Errno) -> Reply {
        let fd = FileDescriptor(owning: try UnixSocket.connect(abstract: try name(storage: storage)))
        var body: [UInt8] = [command.rawValue]
        for argument in arguments { body += Array(argument.utf8) + [0] }
        try UnixSocket.send(fd.rawValue, littleEndian(UInt32(body.count)) + body)
        guard let status = try UnixSocket.receive(fd.rawValue, count: 1),
              let length = try UnixSocket.receive(fd.rawValue, count: 4),
              let text = try UnixSocket.receive(fd.rawValue, count: Int(decodeLength(length))) else { throw .EPROTO }
        return Reply(done: status[0] == 0, text: String(decoding: text, as: UTF8.self))
    }

    /// Reads one request; nil for one that is cut short, too large or of an unknown command.
    static func readRequest(_ fd: Int32) throws(Errno) -> (Command, [String])? {
        guard let length = try UnixSocket.receive(fd, count: 4) else { return nil }
        let count = Int(decodeLength(length))
        guard count > 0, count <= largestRequest, let body = try UnixSocket.receive(fd, count: count),
              let command = Command(rawValue: body[0]) else { return nil }
        let arguments = body.dropFirst().split(separator: 0, omittingEmptySubsequences: false).dropLast()
        return (command, arguments.map { String(decoding: $0, as: UTF8.self) })
    }

    static func sendReply(_ fd: Int32, _ reply: Reply) throws(Errno) {
        let text = Array(reply.text.utf8)
        try UnixSocket.send(fd, [reply.done ? 0 : 1] + littleEndian(UInt32(text.count)) + text)
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    private static func decodeLength(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }
}
