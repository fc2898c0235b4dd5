/// The hunks of `diff -u`: the lines of two texts that differ, each run with up to three
/// lines of context around it, and runs closer than twice that merged into one hunk.
public enum UnifiedDiff {
    /// Lines of context around each change.
    static let context = 3

    /// One step of the edit script, with how many lines of each text come before it.
    private struct Step {
        enum Kind { case same, removed, added }
        var kind: Kind
        var old: Int
        var new: Int
    }

    /// The hunks for turning `old` into `new`, each lines ending in "\n" (bytes as they are in
    /// the files); none when the texts are equal. A last line without a newline is followed by
    /// `\ No newline at end of file`, as diff prints it.
    public static func hunks(_ old: [UInt8], _ new: [UInt8]) -> [[UInt8]] {
        let a = lines(old), b = lines(new)
        var ids: [ArraySlice<UInt8>: Int] = [:]
        func id(_ line: ArraySlice<UInt8>) -> Int {
            if let known = ids[line] { return known }
            ids[line] = ids.count
            return ids.count - 1
        }
        let kept = LineDiff.matches(a.map(id), b.map(id))

        var script: [Step] = []
        var i = 0, j = 0
        for (x, y) in kept + [(a.count, b.count)] {
            while i < x { script.append(Step(kind: .removed, old: i, new: j)); i += 1 }
            while j < y { script.append(Step(kind: .added, old: i, new: j)); j += 1 }
            if x < a.count { script.append(Step(kind: .same, old: i, new: j)); i += 1; j += 1 }
        }

        let texts = (a: a, b: b, aEnds: old.last == 0x0A, bEnds: new.last == 0x0A)
        var hunks: [[UInt8]] = []
        var position = 0
        while let change = script[position...].firstIndex(where: { $0.kind != .same }) {
            let start = max(position, change - context)
            var end = change
            while true {
                while end < script.count && script[end].kind != .same { end += 1 }
                if let next = script[end...].firstIndex(where: { $0.kind != .same }), next - end <= 2 * context {
                    end = next
                } else {
                    end = min(script.count, end + context)
                    break
                }
            }
            hunks.append(hunk(script[start..<end], texts))
            position = end
        }
        return hunks
    }

    private static func hunk(_ steps: ArraySlice<Step>,
                             _ texts: (a: [ArraySlice<UInt8>], b: [ArraySlice<UInt8>], aEnds: Bool, bEnds: Bool)) -> [UInt8] {
        let oldCount = steps.filter { $0.kind != .added }.count
        let newCount = steps.filter { $0.kind != .removed }.count
        var text = Array("@@ -\(range(steps.first!.old, oldCount)) +\(range(steps.first!.new, newCount)) @@\n".utf8)
        for step in steps {
            switch step.kind {
            case .same: text += line(0x20, texts.a[step.old], missingNewline: step.old == texts.a.count - 1 && !texts.aEnds)
            case .removed: text += line(0x2D, texts.a[step.old], missingNewline: step.old == texts.a.count - 1 && !texts.aEnds)
            case .added: text += line(0x2B, texts.b[step.new], missingNewline: step.new == texts.b.count - 1 && !texts.bEnds)
            }
        }
        return text
    }

    /// `start,count` with a 1-based start; diff leaves out a count of 1, and for an empty
    /// range names the line before it.
    private static func range(_ before: Int, _ count: Int) -> String {
        switch count {
        case 0: "\(before),0"
        case 1: "\(before + 1)"
        default: "\(before + 1),\(count)"
        }
    }

    private static func line(_ mark: UInt8, _ bytes: ArraySlice<UInt8>, missingNewline: Bool) -> [UInt8] {
        [mark] + bytes + Array((missingNewline ? "\n\\ No newline at end of file\n" : "\n").utf8)
    }

    /// The lines of a text, without their newlines.
    static func lines(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
        var result = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        if text.isEmpty || text.last == 0x0A { result.removeLast() }
        return result
    }
}
