// Randomized differential test of copy-on-write (issue 3): the mount must behave exactly like
// a plain directory that started as a copy of the base.
//
// A seeded generator (SeededRandom, the same sequence on every run) makes operations over a
// few names (a, b, c, d; depth up to 3) so that they collide often: writes at offsets,
// appends, truncates, creates (O_EXCL, O_TRUNC), FIFOs, unlink, mkdir, rmdir, rename (plain,
// RENAME_NOREPLACE, RENAME_EXCHANGE) of files and directories over and onto existing names,
// link, symlink, chmod, chown, utimensat (fixed times, NOW, OMIT), user.* xattrs, reads,
// stats, listings, and descriptors held open (O_RDWR/O_WRONLY, O_APPEND, O_CREAT, O_TRUNC)
// across renames and unlinks of their names and used later (pwrite, write, pread, read,
// ftruncate, lseek incl. SEEK_DATA/SEEK_HOLE, fstat, fchmod, fsync).
// Each operation runs on the mount and on `cp -a` of the base; the result or errno, the bytes
// read and the stats of what it touched (type, mode, size, nlink, owner, mtime class) must
// agree. Every MINIFO_DIFF_CHECK_EVERY operations and at the end the whole trees are compared
// (names, d_type, types, modes, sizes, owners, mtimes, contents, symlink targets, xattrs,
// which names share an inode); at every other such point and at the end the descriptors are
// closed, minifo unmounted and mounted again, and the trees compared again, with the mount's
// inode numbers unchanged. The base must come out identical (TreeWalk.fingerprint).
// Not compared: inode numbers between the trees, ctime, atime, directory sizes (those belong
// to the storage filesystem), and mtimes other than exact old ones (times set "recently" by
// the test compare as a class).
//
// On a divergence the seed stops, the mount is cleaned up, and the failing prefix is
// shrunk by delta debugging (replays on a fresh mount, trees compared after every changing
// operation) for up to MINIFO_DIFF_MINIMIZE seconds; the failure names the seed, the
// operation and both results, and prints the shrunk sequence with a Python reproducer.
//
// Descriptors held open are opened for writing only: a descriptor opened read-only before its file's copy-up keeps the base data by
// design (README), which a plain directory cannot mimic.
//
// CI (3 seeds × 400 operations, in `swift test`):
//     swift build && swift test --filter Differential
// Long, by hand (10 seeds × 5000 operations):
//     swift build && MINIFO_DIFF_SEEDS=10 MINIFO_DIFF_OPS=5000 swift test --filter Differential
// Environment:
//     MINIFO_DIFF_SEEDS         N (seeds 1...N) or a comma-separated list; `17,` runs seed 17 alone
//     MINIFO_DIFF_OPS           operations per seed (default 400)
//     MINIFO_DIFF_CHECK_EVERY   whole-tree comparison every N operations (default 100)
//     MINIFO_DIFF_MINIMIZE      seconds to spend shrinking a divergence (default 60; 0 = off)
//     MINIFO_DIFF_MOUNT_OPTIONS `-o` options for every seed (default: odd seeds minifo's defaults,
//                               even seeds timeout=0, where every stat reaches the daemon at once)
//     MINIFO_DIFF_BASE_HARDLINKS=0  exploration aid: the base without its hard-linked pair
//     MINIFO_DIFF_WEIGHTS       exploration aid: operation weights, e.g. `open:0,unlink:0,rename:20`
//                               (kinds: see DiffGenerator.kinds)
//     MINIFO_DIFF_STRICT=1      compare the whole trees after every operation that may change them
//                               (slow; finds the operation where the trees first went apart)
//     MINIFO_DIFF_DEBUG=1       print every replay the minimizer makes
//     MINIFO_DIFF_SELFTEST=1    checks the test itself: a second `cp -a` copy stands in for the mount
//                               (no mount, no remount); every seed must pass
//     MINIFO_DIFF_IGNORE        exploration aid, never for CI: comma-separated fields not compared, to
//                               look past a known divergence: type, mode, size, nlink, dir nlink, owner,
//                               mtime, dir mtime, d_type, content, symlink target, hard links, xattrs

import TestSupport
import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    @Suite(.serialized)
    struct DifferentialTests {
        @Test(arguments: DiffConfig.seeds)
        func mountBehavesLikeACopyOfTheBase(seed: UInt64) throws {
            let config = DiffConfig.current
            let timeLimit = 300 + Double(config.operations) * 0.25 + config.minimizeSeconds * 2
            try MountFixture.with(timeLimit: timeLimit) { fixture in
                let report = try DiffRunner(fixture: fixture, seed: seed, config: config).run()
                print("differential: \(report.summary)")
                guard let divergence = report.divergence else { return }
                Issue.record(Comment(rawValue: Self.message(report, divergence, config)))
            }
        }

        static func message(_ report: DiffReport, _ divergence: DiffDivergence, _ config: DiffConfig) -> String {
            var text = """
                minifo diverged from a plain copy of the base: seed \(report.seed), operation #\(divergence.index) \
                (the \(report.generated)th generated of \(config.operations))
                operation: \(divergence.op)
                \(divergence.detail)
                rerun: MINIFO_DIFF_SEEDS=\(report.seed), MINIFO_DIFF_OPS=\(config.operations)\(config.weights.isEmpty ? "" : " MINIFO_DIFF_WEIGHTS=" + config.weights.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))\(config.baseHardLinks ? "" : " MINIFO_DIFF_BASE_HARDLINKS=0")\(config.ignoring.isEmpty ? "" : " MINIFO_DIFF_IGNORE='\(config.ignoring.sorted().joined(separator: ","))'") swift test --filter Differential
                the operations before it:
                \(DiffReproducer.listing(Array(report.ran[max(0, divergence.index - 15)...divergence.index]), from: max(0, divergence.index - 15)))
                """
            if let minimized = report.minimized, minimized.ops.count > 60 {
                text += """

                    shrinking stopped at \(minimized.ops.count) operations (\(minimized.trials) replays); rerun with a larger \
                    MINIFO_DIFF_MINIMIZE (seconds) to shrink further
                    """
            } else if let minimized = report.minimized {
                text += """

                    shrunk to \(minimized.ops.count) operations (\(minimized.trials) replays\(minimized.complete ? "" : ", stopped by the time limit"); \
                    the last pass compared the trees after every change\(minimized.options.isEmpty ? "" : ", mounted -o " + minimized.options.joined(separator: ","))):
                    \(DiffReproducer.listing(minimized.ops))
                    diverging at #\(minimized.divergence.index) \(minimized.divergence.op): \(minimized.divergence.detail)
                    reproducer:
                    \(DiffReproducer.script(minimized.ops, options: minimized.options, hardLinks: config.baseHardLinks))
                    """
            } else if let note = report.minimizeNote {
                text += "\nnot shrunk: \(note)"
            }
            return text
        }
    }
}
