/// What the change-management tests share: a base with something for every kind of change, a
/// script that makes one change of each kind through a mount, and how they run a command.
enum ChangeScenario {
    static func makeBase(_ fixture: MountFixture) throws {
        let made = try shell("""
            set -e; cd "$1"; mkdir -p etc usr old/sub d; printf 'l1\\nl2\\nl3\\n' > etc/x; echo y > etc/y
            echo z > usr/z; echo f > old/sub/f; echo g > d/g; echo h > h1; ln h1 h2; echo xa > xa
            """, [fixture.base])
        guard made.succeeded else { throw ScenarioError(result: made) }
    }

    static let everyKind = """
        sed -i 's/l2/L2/' etc/x; chmod 600 etc/y; mkdir a; echo new > a/b; rm usr/z; mv old new
        rm d/g; rmdir d; mkdir d; echo more >> h1; setfattr -n user.k -v v xa
        """

    /// Runs `script` with the mount point as its working directory, stopping at the first failure.
    static func inMount(_ script: String, _ fixture: MountFixture) throws -> CommandResult {
        try shell("set -e; cd \"$1\"; " + script, [fixture.mountPoint])
    }

    static func minifo(_ arguments: [String]) throws -> CommandResult {
        try run(MountEnvironment.minifo, arguments, timeout: 60)
    }

    struct ScenarioError: Error, CustomStringConvertible {
        let result: CommandResult
        var description: String { "making the base failed: \(result)" }
    }
}
