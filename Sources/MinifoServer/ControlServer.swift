import FUSETransport
import MinifoSystem
import OverlayCore

/// The daemon's end of the control channel (`ControlChannel`): one thread that answers one
/// request at a time, so a revert never runs beside another.
final class ControlServer: Sendable {
    private let socket: Int32

    /// Listens in the work directory `workDirectory` (the storage lock's) of the storage
    /// directory at `storage`, replacing the socket a daemon that served it before left there.
    /// Without a control channel (nil, with a warning) the mount goes on.
    static func listen(in workDirectory: StorageDescriptor, storage: String) -> ControlServer? {
        do {
            return ControlServer(socket: try UnixSocket.listen(in: workDirectory, name: Names.controlSocket))
        } catch {
            Log.warning("no control channel for \(storage): \(error); `minifo revert` cannot reach this mount")
            return nil
        }
    }

    private init(socket: Int32) { self.socket = socket }

    deinit { close(socket) }

    /// Answers requests on a thread of its own until `stop`.
    func start(_ fileSystem: OverlayFileSystem, session: Session, readOnly: Bool) throws(Errno) -> Thread {
        try Thread.spawn(stackSize: 1 << 20) { [self] in
            while true {
                let client: Int32
                do throws(Errno) {
                    client = try UnixSocket.accept(socket)
                } catch .ECONNABORTED {
                    continue
                } catch {
                    return  // shut down by `stop`
                }
                serve(client, fileSystem, session, readOnly: readOnly)
                close(client)
                ResidentMemory.returnFreedMemory()
            }
        }
    }

    /// Stops accepting; the thread ends once the request it is serving, if any, is answered.
    func stop() {
        UnixSocket.shutdown(socket)
    }

    private func serve(_ client: Int32, _ fileSystem: OverlayFileSystem, _ session: Session, readOnly: Bool) {
        do throws(Errno) {
            try UnixSocket.setTimeout(client, seconds: 10)
            let peer = try UnixSocket.peerUserID(client)
            guard peer == 0 || peer == ProcessControl.effectiveUserID else {
                return try ControlChannel.sendReply(client, .init(
                    done: false, text: "only root and the user who mounted it may change a mount through its daemon"))
            }
            guard let (command, arguments) = try ControlChannel.readRequest(client) else { return }
            switch command {
            case .ping:
                try ControlChannel.sendReply(client, .init(done: true, text: ""))
            case .revert:
                if readOnly {
                    return try ControlChannel.sendReply(client, .init(
                        done: false, text: "the storage directory is mounted read-only; unmount it and revert it then"))
                }
                let reply: ControlChannel.Reply
                do {
                    let (lines, notifications) = try fileSystem.revert(arguments)
                    // Sent holding no lock: the kernel may wait for requests in those directories.
                    for message in notifications { try? session.notify(message) }
                    reply = .init(done: true, text: lines.joined())
                } catch {
                    reply = .init(done: false, text: error.description)
                }
                try ControlChannel.sendReply(client, reply)
            }
        } catch {
            Log.debug("control request failed: \(error)")
        }
    }
}
