/// The longest common subsequence of two sequences, by Myers' O(ND) algorithm ("An O(ND)
/// Difference Algorithm and Its Variations", 1986) in its linear-space form: each step finds
/// where the forward and backward searches for the shortest edit script meet and splits there.
enum LineDiff {
    /// The index pairs (in `a`, in `b`) of equal elements that an edit script keeps, ascending.
    static func matches(_ a: [Int], _ b: [Int]) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        var pending = [(a: 0..<a.count, b: 0..<b.count)]
        // Ranges are processed left to right: the right half of a split waits on a stack.
        while var (ra, rb) = pending.popLast() {
            while !ra.isEmpty && !rb.isEmpty && a[ra.lowerBound] == b[rb.lowerBound] {
                result.append((ra.lowerBound, rb.lowerBound))
                ra = ra.dropFirst()
                rb = rb.dropFirst()
            }
            var suffix = 0
            while ra.count > suffix && rb.count > suffix && a[ra.upperBound - 1 - suffix] == b[rb.upperBound - 1 - suffix] {
                suffix += 1
            }
            let innerA = ra.lowerBound..<ra.upperBound - suffix
            let innerB = rb.lowerBound..<rb.upperBound - suffix
            if suffix > 0 {
                pending.append((ra.upperBound - suffix..<ra.upperBound, rb.upperBound - suffix..<rb.upperBound))
            }
            guard !innerA.isEmpty && !innerB.isEmpty, let (x, y) = split(a, innerA, b, innerB),
                  (x, y) != (innerA.lowerBound, innerB.lowerBound), (x, y) != (innerA.upperBound, innerB.upperBound) else { continue }
            pending.append((x..<innerA.upperBound, y..<innerB.upperBound))
            pending.append((innerA.lowerBound..<x, innerB.lowerBound..<y))
        }
        return result
    }

    /// A point on a shortest edit script from the start to the end of the two ranges, strictly
    /// inside it, where the script can be cut in two; nil when nothing is common.
    private static func split(_ a: [Int], _ ra: Range<Int>, _ b: [Int], _ rb: Range<Int>) -> (Int, Int)? {
        let n = ra.count, m = rb.count
        let maxD = (n + m + 1) / 2
        let offset = maxD + 1
        var forward = [Int](repeating: -1, count: 2 * maxD + 3)
        var backward = forward
        forward[offset + 1] = 0
        backward[offset + 1] = 0
        let delta = n - m
        let oddDelta = delta % 2 != 0
        var k1Start = 0, k1End = 0, k2Start = 0, k2End = 0
        for d in 0..<maxD {
            for k1 in stride(from: -d + k1Start, through: d - k1End, by: 2) {
                let i = offset + k1
                var x1 = k1 == -d || (k1 != d && forward[i - 1] < forward[i + 1]) ? forward[i + 1] : forward[i - 1] + 1
                var y1 = x1 - k1
                while x1 < n && y1 < m && a[ra.lowerBound + x1] == b[rb.lowerBound + y1] {
                    x1 += 1
                    y1 += 1
                }
                forward[i] = x1
                if x1 > n {
                    k1End += 2
                } else if y1 > m {
                    k1Start += 2
                } else if oddDelta {
                    let j = offset + delta - k1
                    if j >= 0 && j < backward.count && backward[j] != -1 && x1 >= n - backward[j] {
                        return (ra.lowerBound + x1, rb.lowerBound + y1)
                    }
                }
            }
            for k2 in stride(from: -d + k2Start, through: d - k2End, by: 2) {
                let i = offset + k2
                var x2 = k2 == -d || (k2 != d && backward[i - 1] < backward[i + 1]) ? backward[i + 1] : backward[i - 1] + 1
                var y2 = x2 - k2
                while x2 < n && y2 < m && a[ra.upperBound - 1 - x2] == b[rb.upperBound - 1 - y2] {
                    x2 += 1
                    y2 += 1
                }
                backward[i] = x2
                if x2 > n {
                    k2End += 2
                } else if y2 > m {
                    k2Start += 2
                } else if !oddDelta {
                    let j = offset + delta - k2
                    if j >= 0 && j < forward.count && forward[j] != -1 {
                        let x1 = forward[j]
                        let y1 = offset + x1 - j
                        if x1 >= n - x2 { return (ra.lowerBound + x1, rb.lowerBound + y1) }
                    }
                }
            }
        }
        return nil
    }
}
