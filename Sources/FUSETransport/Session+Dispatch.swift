import FUSEProtocol
import MinifoSystem

extension Session {
    func dispatch(_ bytes: ArraySlice<UInt8>, fd: Int32, reply: inout ReplyContext) {
        let header: RequestHeader
        let request: Request
        do {
            (header, request) = try decodeRequest(bytes, protocolMinor: protocolMinor.load(ordering: .acquiring))
        } catch {
            Log.debug("undecodable request: \(error)")
            if let unique = error.requestUnique {
                reply.reset(unique: unique)
                Reply.error(error.errno, unique: unique, into: &reply.bytes)
                send(fd: fd, &reply)
            }
            return
        }
        reply.reset(unique: header.unique)
        switch request {
        case .initialize(let kernel):
            initialize(kernel, unique: header.unique, into: &reply.bytes)
        case .interrupt(let target):
            if interrupts.interrupt(target) { return }
            Reply.error(Errno.EAGAIN.rawValue, unique: header.unique, into: &reply.bytes)
        case .forget(let count):
            handler.forget(header.nodeID, count: count)
            return
        case .batchForget(let nodes):
            for node in nodes { handler.forget(node.nodeID, count: node.nlookup) }
            return
        case .destroy:
            Reply.error(0, unique: header.unique, into: &reply.bytes)
        default:
            interrupts.begin(header.unique)
            handler.handle(header, request, &reply)
            interrupts.end(header.unique)
            if reply.bytes.isEmpty {
                Log.error("no reply to \(header.opcode); answering EIO")
                Reply.error(Errno.EIO.rawValue, unique: header.unique, into: &reply.bytes)
            }
        }
        send(fd: fd, &reply)
    }

    private func initialize(_ kernel: InitIn, unique: UInt64, into bytes: inout [UInt8]) {
        switch negotiateInit(kernel, wanted: handler.wantedFlags, maxWrite: maxWrite) {
        case .success(let agreed):
            Log.debug("protocol \(kernel.major).\(kernel.minor) offered \(kernel.flags); agreed \(agreed.major).\(agreed.minor) \(agreed.flags)")
            protocolMinor.store(agreed.minor, ordering: .releasing)
            handler.sessionStarted(agreed)
            Reply.initialize(agreed, unique: unique, into: &bytes)
        case .failure(.kernelMajorTooNew):
            // The kernel retries INIT with our major version.
            Reply.initialize(.versionOnly, unique: unique, into: &bytes)
        case .failure(let error):
            Log.error("cannot serve this kernel: \(error)")
            Reply.error(Errno.EPROTO.rawValue, unique: unique, into: &bytes)
        }
    }

    private func send(fd: Int32, _ reply: inout ReplyContext) {
        do {
            if reply.payloadCount > 0 {
                try write(fd, reply.bytes, reply.payload, tailCount: reply.payloadCount)
            } else {
                try write(fd, reply.bytes)
            }
        } catch .ENOENT {
            // The kernel no longer waits for this request: undo the lookups the reply granted.
            for node in reply.grantedLookups { handler.forget(node, count: 1) }
        } catch {
            Log.debug("reply to request \(reply.unique) failed: \(error)")
        }
    }
}

extension DecodeError {
    /// The request to answer with `errno`, if the header could be read at all.
    var requestUnique: UInt64? {
        switch self {
        case .truncated(let unique): return unique
        case .unknownOpcode(_, let unique): return unique
        }
    }
}
