import FUSEProtocol
import Testing

/// fuse_init_in as this machine's 7.45 kernel sends it.
private let kernelFlags: UInt32 = 0x73FF_FFFB
private let kernelFlags2: UInt32 = 0x5FD

private func initRequest(major: UInt32 = 7, minor: UInt32 = 45, maxReadahead: UInt32 = 131_072,
                         flags: UInt32 = kernelFlags, flags2: UInt32? = kernelFlags2) -> [UInt8] {
    Fixture.request(Opcode.initialize.rawValue, nodeID: 0, payload: Wire { w in
        w.u32(major)
        w.u32(minor)
        w.u32(maxReadahead)
        w.u32(flags)
        if let flags2 {
            w.u32(flags2)
            w.zeros(44)
        }
    }.bytes)
}

private func kernelInit(minor: UInt32 = 45, flags: InitFlags) -> InitIn {
    InitIn(major: 7, minor: minor, maxReadahead: 131_072, flags: flags)
}

private let machineOffer = InitFlags(rawValue: UInt64(kernelFlags2) << 32 | UInt64(kernelFlags))

@Suite("INIT decoding")
struct InitDecodeTests {
    @Test func kernel745() throws {
        let bytes = initRequest()
        #expect(bytes.count == 40 + 64)
        // INIT decodes the same whatever minor the caller has not yet negotiated.
        for minor: UInt32 in [0, 45] {
            let (header, request) = try decode(bytes, minor: minor)
            #expect(header.opcode == 26 && header.nodeID == 0)
            guard case .initialize(let arg) = request else {
                Issue.record("not INIT: \(request)")
                return
            }
            #expect(arg == InitIn(major: 7, minor: 45, maxReadahead: 131_072, flags: machineOffer))
            #expect(arg.flags.rawValue == 0x5FD_73FF_FFFB)
            #expect(arg.flags.isSuperset(of: [.passthrough, .initExt, .securityCtx, .createSuppGroup, .hasExpireOnly,
                                              .directIOAllowMmap, .noExportSupport, .hasResend, .allowIdmap,
                                              .requestTimeout, .maxPages, .setxattrExt, .handleKillprivV2]))
            #expect(arg.flags.isDisjoint(with: [.fileOps, .mapAlignment, .submounts, .initReserved, .hasInodeDax,
                                                .overIoUring]))
        }
    }

    @Test func kernel731SendsSixteenBytes() throws {
        let bytes = initRequest(minor: 31, flags: 0x03FF_FFFB, flags2: nil)
        #expect(bytes.count == 40 + 16)
        #expect(try decodeRequestOnly(bytes)
            == .initialize(InitIn(major: 7, minor: 31, maxReadahead: 131_072, flags: InitFlags(rawValue: 0x03FF_FFFB))))
    }

    @Test func flags2IsIgnoredWithoutInitExt() throws {
        let bytes = initRequest(flags: 0x1, flags2: 0xFFFF_FFFF)
        #expect(try decodeRequestOnly(bytes)
            == .initialize(InitIn(major: 7, minor: 45, maxReadahead: 131_072, flags: .asyncRead)))
    }

    @Test func initExtWithoutTheExtendedStructIsTruncated() {
        let bytes = initRequest(flags: kernelFlags, flags2: nil)
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func flagNames() {
        #expect(InitFlags([.asyncRead, .passthrough]).description == "[asyncRead, passthrough]")
        #expect(InitFlags(rawValue: 1 << 47 | 1).description == "[asyncRead, 0x800000000000]")
        #expect(InitFlags().description == "[]")
        #expect(InitFlags.requestTimeout.rawValue == 1 << 42)
        #expect(InitFlags.passthrough.rawValue == 1 << 37)
    }
}

@Suite("INIT negotiation")
struct InitNegotiationTests {
    static let wanted: InitFlags = [.asyncRead, .atomicOTrunc, .exportSupport, .bigWrites, .autoInvalData,
                                    .doReaddirplus, .readdirplusAuto, .asyncDio, .parallelDirops, .maxPages,
                                    .cacheSymlinks, .handleKillprivV2, .passthrough, .noExportSupport,
                                    .directIOAllowMmap, .submounts]

    @Test func machineKernel() throws {
        let out = try negotiateInit(kernelInit(flags: machineOffer), wanted: Self.wanted).get()
        #expect(out.major == 7 && out.minor == 45)
        // submounts was not offered; initExt is added because it was.
        #expect(out.flags == Self.wanted.subtracting(.submounts).union(.initExt))
        #expect(out.maxReadahead == 131_072)
        #expect(out.maxWrite == 1 << 20 && out.maxPages == 256)
        #expect(out.maxStackDepth == 1)
        #expect(out.timeGran == 1 && out.maxBackground == 64 && out.congestionThreshold == 48)
        #expect(out.mapAlignment == 0 && out.requestTimeout == 0)
    }

    @Test func replyBytes() throws {
        let out = try negotiateInit(kernelInit(flags: machineOffer), wanted: Self.wanted).get()
        var buffer: [UInt8] = []
        Reply.initialize(out, unique: Fixture.unique, into: &buffer)
        let low = UInt32(truncatingIfNeeded: out.flags.rawValue)
        let expected = Fixture.outHeader(length: 80) + Wire { w in
            w.u32(7)
            w.u32(45)
            w.u32(131_072)
            w.u32(low)
            w.u16(64)
            w.u16(48)
            w.u32(1 << 20)
            w.u32(1)
            w.u16(256)
            w.u16(0)
            w.u32(0x70)  // flags2: directIOAllowMmap, passthrough, noExportSupport
            w.u32(1)
            w.u16(0)
            w.zeros(22)
        }.bytes
        #expect(buffer == expected)
        #expect(low & (1 << 30) != 0)
    }

    @Test func kernel731() throws {
        let offer = InitFlags(rawValue: 0x03FF_FFFB)
        let out = try negotiateInit(kernelInit(minor: 31, flags: offer), wanted: Self.wanted).get()
        #expect(out.minor == 31)
        #expect(!out.flags.contains(.initExt))
        #expect(out.flags.isDisjoint(with: [.passthrough, .noExportSupport, .directIOAllowMmap]))
        #expect(out.flags.contains(.maxPages) && out.maxPages == 256)
        #expect(out.maxStackDepth == 0)
    }

    @Test func newerKernelMinorIsCappedToOurs() throws {
        let out = try negotiateInit(kernelInit(minor: 52, flags: []), wanted: Self.wanted).get()
        #expect(out.minor == 45)
        #expect(out.flags.isEmpty)
        #expect(out.maxWrite == 32 * 4096 && out.maxPages == 0)
    }

    @Test func newerMajorAsksForARetry() {
        let kernel = InitIn(major: 8, minor: 0, maxReadahead: 0, flags: machineOffer)
        #expect(negotiateInit(kernel, wanted: Self.wanted) == .failure(.kernelMajorTooNew(major: 8, minor: 0)))
        var buffer: [UInt8] = []
        Reply.initialize(.versionOnly, unique: 9, into: &buffer)
        #expect(buffer == Fixture.outHeader(length: 80, unique: 9) + Wire { w in
            w.u32(7)
            w.u32(45)
            w.zeros(56)
        }.bytes)
    }

    @Test(arguments: [(UInt32(7), UInt32(30)), (7, 0), (6, 45), (5, 99)])
    func oldVersionsAreRejected(major: UInt32, minor: UInt32) {
        let kernel = InitIn(major: major, minor: minor, maxReadahead: 0, flags: machineOffer)
        #expect(negotiateInit(kernel, wanted: Self.wanted)
            == .failure(.unsupportedVersion(major: major, minor: minor)))
    }

    @Test func passthroughNeedsAStackDepthOfOneOrTwo() throws {
        for (depth, kept) in [(UInt32(0), false), (1, true), (2, true), (3, false)] {
            let out = try negotiateInit(kernelInit(flags: machineOffer), wanted: .passthrough,
                                        maxStackDepth: depth).get()
            #expect(out.flags.contains(.passthrough) == kept)
            #expect(out.maxStackDepth == (kept ? depth : 0))
        }
    }

    @Test func passthroughExcludesWritebackCache() throws {
        let out = try negotiateInit(kernelInit(flags: machineOffer), wanted: [.passthrough, .writebackCache]).get()
        #expect(out.flags == [.writebackCache, .initExt])
        #expect(out.maxStackDepth == 0)
    }

    @Test func requestTimeoutNeedsAValue() throws {
        let without = try negotiateInit(kernelInit(flags: machineOffer), wanted: .requestTimeout).get()
        #expect(!without.flags.contains(.requestTimeout) && without.requestTimeout == 0)
        let with = try negotiateInit(kernelInit(flags: machineOffer), wanted: .requestTimeout, requestTimeout: 90).get()
        #expect(with.flags.contains(.requestTimeout) && with.requestTimeout == 90)
    }

    @Test func maxWriteRules() throws {
        let offer = InitFlags.maxPages
        let tiny = try negotiateInit(kernelInit(flags: offer), wanted: .maxPages, maxWrite: 100).get()
        #expect(tiny.maxWrite == 4096 && tiny.maxPages == 1)
        let odd = try negotiateInit(kernelInit(flags: offer), wanted: .maxPages, maxWrite: 4097).get()
        #expect(odd.maxWrite == 4097 && odd.maxPages == 2)
        let huge = try negotiateInit(kernelInit(flags: offer), wanted: .maxPages, maxWrite: .max).get()
        #expect(huge.maxPages == .max && huge.maxWrite == 65535 * 4096)
        let noPages = try negotiateInit(kernelInit(flags: offer), wanted: [], maxWrite: 1 << 20).get()
        #expect(noPages.maxWrite == 128 * 1024 && noPages.maxPages == 0)
    }
}
