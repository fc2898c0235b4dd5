import Testing

/// Every mount test, one at a time: they share the kernel's mount table, /proc and the
/// machine's few cores, and a failure is easier to read when nothing else runs beside it.
@Suite(.serialized)
struct MinifoMountTests {}
