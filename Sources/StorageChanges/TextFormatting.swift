import MinifoSystem
import OverlayCore

/// How paths, modes and times are written in minifo's text output.
public enum TextFormatting {
    /// A path for one line of text: the root is ".", printable UTF-8 stays as it is, and a
    /// backslash, a control character (C0, DEL or C1) or a byte that is not UTF-8 is escaped
    /// C-style (`\\`, `\n`, `\t`, `\xNN`, a C1 control as the two bytes of its UTF-8), so
    /// that every change stays on one line and nothing reaches a terminal as a command.
    static func path(_ path: RelativePath) -> String {
        path.isRoot ? "." : escaped(path.bytes)
    }

    static func escaped(_ bytes: [UInt8], backslashes: Bool = true) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            guard let length = UTF8Validation.sequenceLength(bytes, at: index) else {
                out += hexEscape(bytes[index])
                index += 1
                continue
            }
            let scalar = String(decoding: bytes[index..<index + length], as: UTF8.self).unicodeScalars.first!
            switch scalar {
            case "\\" where backslashes: out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                for byte in bytes[index..<index + length] { out += hexEscape(byte) }
            default: out.unicodeScalars.append(scalar)
            }
            index += length
        }
        return out
    }

    /// Lines of text from another process (a mount's daemon), made safe to print: within each
    /// line, what `escaped` escapes but a backslash, which is harmless to a terminal and may
    /// start an escape the other side wrote already.
    public static func printable(_ bytes: [UInt8]) -> String {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { escaped(Array($0), backslashes: false) }
            .joined(separator: "\n")
    }

    private static func hexEscape(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }

    /// Permission bits as four octal digits.
    static func mode(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A time in UTC as `2024-05-06 07:08:09` (with `.NNNNNNNNN` when `nanoseconds`).
    static func time(_ time: Timespec, nanoseconds: Bool = false) -> String {
        var days = time.seconds >= 0 ? time.seconds / 86400 : (time.seconds - 86399) / 86400
        let secondOfDay = time.seconds - days * 86400
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var out = "\(year)-\(padded(month, 2))-\(padded(day, 2)) "
            + "\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2))"
        if nanoseconds { out += "." + padded(time.nanoseconds, 9) }
        return out
    }

    static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func typeName(_ type: FileType) -> String {
        switch type {
        case .regular: "file"
        case .directory: "directory"
        case .symlink: "symlink"
        case .fifo: "fifo"
        case .socket: "socket"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .unknown: "unknown"
        }
    }
}
