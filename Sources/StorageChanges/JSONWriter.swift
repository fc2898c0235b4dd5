/// A JSON text built by hand (RFC 8259), for `--json` output. Strings are escaped as the RFC
/// requires; everything else is written as given.
struct JSONWriter {
    private(set) var text = ""

    enum Value {
        case string(String)
        case number(Int64)
        case bool(Bool)
        case array([Value])
        case object([(String, Value)])
    }

    mutating func write(_ value: Value) {
        switch value {
        case .string(let string): writeString(string)
        case .number(let number): text += String(number)
        case .bool(let bool): text += bool ? "true" : "false"
        case .array(let items):
            text += "["
            for (i, item) in items.enumerated() {
                if i > 0 { text += "," }
                write(item)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (i, (key, item)) in members.enumerated() {
                if i > 0 { text += "," }
                writeString(key)
                text += ":"
                write(item)
            }
            text += "}"
        }
    }

    private mutating func writeString(_ string: String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// Raw bytes (a name) as members: `key` holds the text, with U+FFFD for each byte that is
    /// not UTF-8, and then `key_base64` holds the exact bytes (RFC 4648 base64).
    static func bytes(_ key: String, _ bytes: [UInt8]) -> [(String, Value)] {
        if UTF8Validation.isValid(bytes) { return [(key, .string(String(decoding: bytes, as: UTF8.self)))] }
        return [(key, .string(String(decoding: bytes, as: UTF8.self))), (key + "_base64", .string(base64(bytes)))]
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0..<4 {
                out.append(position <= count ? alphabet[Int(group >> (18 - 6 * UInt32(position)) & 63)] : "=")
            }
            index += 3
        }
        return out
    }
}
