/// Copies the first `size` bytes of `input` to the empty file `output`, keeping holes.
///
/// Shares extents where the filesystem can (FICLONE); otherwise copies each data extent
/// (SEEK_DATA, SEEK_HOLE) with copy_file_range(2), or through a buffer between filesystems
/// that cannot do that between them (EXDEV since Linux 5.19), and sets the size last so a
/// trailing hole stays one. `copied` hears of each piece, at most 8 MiB at a time.
public func copyFileData(from input: Descriptor<some FileTree>, to output: Descriptor<some WritableTree>, size: Int64,
                         copied: (Int64) -> Void = { _ in }) throws(Errno) {
    if size == 0 { return }
    if (try? cloneFile(from: input, to: output)) != nil {
        copied(size)
        return
    }
    var buffer: [UInt8]?
    var offset: Int64 = 0
    while offset < size {
        let dataStart: Int64
        do {
            dataStart = try seek(input, offset: offset, whence: seekData)
        } catch .ENXIO {
            break  // only a hole remains
        }
        let dataEnd = (try? seek(input, offset: dataStart, whence: seekHole)) ?? size
        var position = dataStart
        while position < dataEnd {
            let count = Int(min(dataEnd - position, 8 << 20))
            var done = 0
            if buffer == nil {
                do {
                    done = try copyRange(from: input, at: position, to: output, at: position, count: count)
                } catch .EXDEV, .ENOTSUP, .EINVAL {
                    buffer = uninitializedBuffer(count: 1 << 20)
                }
            }
            if buffer != nil {
                done = try pread(input, into: &buffer!, count: count, offset: position)
                try writeAll(output, buffer![..<done], offset: position)
            }
            if done == 0 { break }
            position += Int64(done)
            copied(Int64(done))
        }
        offset = dataEnd
    }
    try truncate(output, size: size)
}
