import MinifoSystem
import OverlayCore

/// The control channel of a mount's daemon: a Unix stream socket, `Names.controlSocket` in the
/// storage's work directory, which only the storage's owner and root can reach (it is 0700)
/// and which the daemon binds once it holds the storage lock. Each side checks the other's
/// user (SO_PEERCRED): the daemon answers only root and the user it runs as; a command talks
/// only to a daemon run by root or by the storage directory's owner, and sends nothing before
/// it has checked, bounds its waits and the reply's size, and prints the reply escaped.
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
        /// Lines of text as the other side sent them, not yet safe to print.
        public var text: [UInt8]

        init(done: Bool, text: String) {
            self.done = done
            self.text = Array(text.utf8)
        }

        init(done: Bool, bytes: [UInt8]) {
            self.done = done
            text = bytes
        }
    }

    /// Requests larger than this are refused unread.
    static let largestRequest = 16 << 20
    /// Replies larger than this are refused unread: a revert of a million paths fits.
    public static let largestReply = 64 << 20
    /// How long a command waits for the daemon to accept it, in seconds.
    static let connectTimeout: Int32 = 5
    /// How long a command waits for each part of the reply by default, in seconds.
    public static let replyTimeout: Int32 = 60

    /// Sends `command` to the daemon serving the storage directory at `storage` and waits up
    /// to `timeout` seconds for its reply.
    public static func request(storage: String, _ command: Command, _ arguments: [String],
                               timeout: Int32 = replyTimeout) throws(ControlChannelError) -> Reply {
        let socket = FileDescriptor(owning: try connect(storage: storage))
        var body: [UInt8] = [command.rawValue]
        for argument in arguments { body += Array(argument.utf8) + [0] }
        try transfer(timeout) { () throws(Errno) in
            try UnixSocket.setTimeout(socket.rawValue, seconds: timeout)
            try UnixSocket.send(socket.rawValue, littleEndian(UInt32(body.count)) + body)
        }
        let status = try transfer(timeout) { () throws(Errno) in try UnixSocket.receive(socket.rawValue, count: 1) }
        let length = decodeLength(try transfer(timeout) { () throws(Errno) in try UnixSocket.receive(socket.rawValue, count: 4) })
        guard length <= largestReply else { throw .tooLarge(length) }
        let text = try transfer(timeout) { () throws(Errno) in try UnixSocket.receive(socket.rawValue, count: Int(length)) }
        return Reply(done: status[0] == 0, bytes: text)
    }

    /// A socket connected to the daemon serving `storage`, checked to be run by root or by the
    /// owner of the storage directory.
    private static func connect(storage: String) throws(ControlChannelError) -> Int32 {
        let owner: UInt32
        let socket: Int32
        do throws(Errno) {
            let root = OwnedDescriptor<StorageTree>(owning: try .openRoot(storage))
            owner = try fstat(root.descriptor).uid
            let work = OwnedDescriptor(owning: try openat(root.descriptor.readOnly, Names.work, [.path, .directory, .noFollow]))
            socket = try UnixSocket.connect(in: work.descriptor, name: Names.controlSocket, timeout: connectTimeout)
        } catch .ENOENT, .ECONNREFUSED {
            throw .noDaemon
        } catch .EAGAIN {
            throw .timedOut(seconds: connectTimeout)
        } catch {
            throw .io(error)
        }
        let peer: UInt32
        do {
            peer = try UnixSocket.peerUserID(socket)
        } catch {
            close(socket)
            throw .io(error)
        }
        guard peer == 0 || peer == owner else {
            close(socket)
            throw .untrusted(peer: peer, owner: owner)
        }
        return socket
    }

    /// Runs one send or receive of a request: nil (the peer closed) is a reply cut short,
    /// EAGAIN one not given in time.
    @discardableResult
    private static func transfer<T>(_ timeout: Int32, _ body: () throws(Errno) -> T?) throws(ControlChannelError) -> T {
        let result: T?
        do {
            result = try body()
        } catch .EAGAIN {
            throw .timedOut(seconds: timeout)
        } catch {
            throw .io(error)
        }
        guard let result else { throw .cutShort }
        return result
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
        try UnixSocket.send(fd, [reply.done ? 0 : 1] + littleEndian(UInt32(reply.text.count)) + reply.text)
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    private static func decodeLength(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }
}

/// Why a command got no reply from a daemon it may trust.
public enum ControlChannelError: Error, CustomStringConvertible {
    /// No daemon listens for the storage directory.
    case noDaemon
    /// The socket's listener is neither root nor the storage directory's owner.
    case untrusted(peer: UInt32, owner: UInt32)
    case timedOut(seconds: Int32)
    case tooLarge(UInt32)
    case cutShort
    case io(Errno)

    public var description: String {
        switch self {
        case .noDaemon: "no daemon serves it"
        case .untrusted(let peer, let owner):
            "its control socket is served by uid \(peer), which is neither root nor the owner of the storage directory "
                + "(uid \(owner)); nothing was sent to it"
        case .timedOut(let seconds): "it did not answer within \(seconds) s"
        case .tooLarge(let length):
            "it announced a reply of \(length) bytes, more than the \(ControlChannel.largestReply >> 20) MiB a reply may have"
        case .cutShort: "its reply was cut short"
        case .io(let errno): errno.description
        }
    }
}
