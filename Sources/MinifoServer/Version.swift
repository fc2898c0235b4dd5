/// minifo's release, printed by `--version`.
public let minifoVersion = "0.1.0"
