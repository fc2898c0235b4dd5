import TestSupport
import FUSEProtocol
import Testing

/// Complete, valid requests whose every proper prefix is malformed.
private let samples: [(String, [UInt8])] = [
    ("lookup", Fixture.request(.lookup) { $0.cString("name") }),
    ("getattr", Fixture.request(.getattr) { $0.zeros(16) }),
    ("setattr", Fixture.request(.setattr) { $0.zeros(88) }),
    ("symlink", Fixture.request(.symlink) { w in
        w.cString("l")
        w.cString("t")
    }),
    ("mknod", Fixture.request(.mknod) { w in
        w.zeros(16)
        w.cString("n")
    }),
    ("rename2", Fixture.request(.rename2) { w in
        w.zeros(16)
        w.cString("a")
        w.cString("b")
    }),
    ("write", Fixture.request(.write) { w in
        w.zeros(16)
        w.u32(3)
        w.zeros(20)
        w.raw("abc")
    }),
    ("setxattr", Fixture.request(.setxattr) { w in
        w.u32(2)
        w.u32(0)
        w.cString("user.k")
        w.raw("vv")
    }),
    ("create", Fixture.request(.create) { w in
        w.zeros(16)
        w.cString("c")
    }),
    ("init", Fixture.request(.initialize) { w in
        w.u32(7)
        w.u32(45)
        w.u32(0)
        w.u32(1 << 30)
        w.zeros(48)
    }),
    ("batchForget", Fixture.request(.batchForget) { w in
        w.u32(2)
        w.zeros(36)
    }),
    ("copyFileRange", Fixture.request(.copyFileRange) { $0.zeros(56) }),
    ("statx", Fixture.request(.statx) { $0.zeros(24) }),
    ("syncfs", Fixture.request(.syncfs) { $0.zeros(8) }),
]

@Suite("Robustness")
struct RobustnessTests {
    @Test(arguments: samples.map(\.0))
    func everyPrefixIsTruncated(name: String) throws {
        let bytes = try #require(samples.first { $0.0 == name }?.1)
        _ = try decode(bytes)
        for length in 0..<bytes.count {
            // The buffer ends early while len still claims the whole request.
            let expected = DecodeError.truncated(unique: length < 40 ? nil : Fixture.unique)
            #expect(throws: expected) { try decodeRequest(bytes[..<length], protocolMinor: 45) }
            // The kernel's len agrees with the cut: the payload itself is short.
            if length >= 40 {
                var cut = Array(bytes[..<length])
                cut[0] = UInt8(length & 0xFF)
                cut[1] = UInt8(length >> 8)
                #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(cut) }
            }
        }
    }

    /// 20,000 requests with valid-looking headers, random opcodes, lengths,
    /// extension lengths and payloads. None may trap, and every outcome must
    /// be one the contract allows.
    @Test func seededFuzz() {
        var rng = SeededRandom(seed: 0x6D69_6E69_666F)
        var outcomes = (decoded: 0, truncated: 0, unknown: 0)
        for _ in 0..<20_000 {
            let opcode = rng.next() % 8 == 0
                ? UInt32(truncatingIfNeeded: rng.next())
                : UInt32.random(in: 0...55, using: &rng)
            var payload = (0..<Int.random(in: 0...160, using: &rng)).map { _ in
                // Mostly small values so names, counts and sizes are often plausible.
                switch rng.next() % 4 {
                case 0: UInt8(0)
                case 1: UInt8.random(in: 1...4, using: &rng)
                default: UInt8.random(in: 0...255, using: &rng)
                }
            }
            if rng.next() % 3 == 0 {
                payload.append(0)
            }
            let extensions = Array(repeating: UInt8(0xEE), count: 8 * Int.random(in: 0...2, using: &rng))
            var bytes = Fixture.request(opcode, unique: rng.next(), payload: payload, extensions: extensions)
            let declared = bytes.count
            switch rng.next() % 6 {
            case 0:  // len field lies
                let length = UInt32.random(in: 0...UInt32(declared + 64), using: &rng)
                for offset in 0..<4 {
                    bytes[offset] = UInt8(truncatingIfNeeded: length >> (8 * offset))
                }
            case 1:  // total_extlen lies
                bytes[36] = UInt8.random(in: 0...255, using: &rng)
                bytes[37] = UInt8.random(in: 0...1, using: &rng)
            case 2:  // buffer cut short
                bytes.removeLast(Int.random(in: 0...declared, using: &rng))
            default:
                break
            }
            let unique = bytes.count >= 16 ? bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
            let minors: [UInt32] = [31, 37, 38, 45]
            let minor = minors[Int(rng.next() % 4)]
            let negotiated: InitFlags = rng.next() % 2 == 0 ? [] : .setxattrExt
            let start = Int.random(in: 0...3, using: &rng)
            let buffer = Array(repeating: UInt8(0xFF), count: start) + bytes
            do throws(DecodeError) {
                let (header, request) = try decodeRequest(buffer[start...], protocolMinor: minor,
                                                          negotiated: negotiated)
                outcomes.decoded += 1
                #expect(header.unique == unique)
                #expect(Int(header.length) <= bytes.count)
                #expect(Opcode(rawValue: header.opcode) != nil)
                for slice in slices(of: request) {
                    #expect(slice.startIndex >= start + 40 && slice.endIndex <= start + Int(header.length))
                    #expect(!slice.contains(0) || isData(request))
                }
            } catch {
                switch error {
                case .truncated(let reported):
                    outcomes.truncated += 1
                    #expect(reported == (bytes.count >= 40 ? unique : nil))
                case .unknownOpcode(let reported, let reportedUnique):
                    outcomes.unknown += 1
                    #expect(Opcode(rawValue: reported) == nil && reportedUnique == unique)
                }
            }
        }
        // The generator must exercise every path, not just the error ones.
        #expect(outcomes.decoded > 1_000 && outcomes.truncated > 1_000 && outcomes.unknown > 1_000)
    }
}

/// Every byte slice a request carries.
private func slices(of request: Request) -> [ArraySlice<UInt8>] {
    switch request {
    case .lookup(let name), .unlink(let name), .rmdir(let name), .removexattr(let name),
         .mknod(_, let name), .mkdir(_, let name), .link(_, let name), .create(_, let name),
         .getxattr(_, let name):
        [name]
    case .symlink(let name, let target):
        [name, target]
    case .rename(_, let oldName, let newName), .rename2(_, let oldName, let newName):
        [oldName, newName]
    case .write(_, let data):
        [data]
    case .setxattr(_, let name, let value):
        [name, value]
    default:
        []
    }
}

/// Requests whose slices include raw data, which may hold NULs.
private func isData(_ request: Request) -> Bool {
    switch request {
    case .write, .setxattr: true
    default: false
    }
}
