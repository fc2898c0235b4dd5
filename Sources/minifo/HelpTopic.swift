/// `minifo help TOPIC`: what a user needs beside the commands' own help.
enum HelpTopic: String, CaseIterable {
    case storage
    case options
    case fstab

    /// The line the root command's help shows for each topic.
    static let summary = """
        The mount(8) and fstab form: minifo BASE MOUNTPOINT -o storage=DIR[,OPTIONS].

        Help topics (minifo help TOPIC):
          storage    what the storage directory and its META file hold
          options    the mount options (-o)
          fstab      mounting with mount(8) and /etc/fstab
        """

    /// The `-o` options of `minifo mount` and of the mount(8) form.
    static let mountOptions = """
        Options (-o, comma-separated, may repeat):
          ro, rw                 mount read-only or read-write (default rw)
          allow_other            let other users use the mount (the default when root
                                 mounts; other users need user_allow_other in
                                 /etc/fuse.conf)
          private                only the user who mounted it may use the mount
          default_permissions    let the kernel check permissions (always on)
          nonempty               allow a mount point that is not empty
          suid, dev              honour set-user-ID bits and device files (root only)
          noexec, noatime, ...   also exec, atime, diratime, nodiratime, relatime,
                                 norelatime, strictatime, nostrictatime, sync, async,
                                 dirsync: the generic options of mount(8)
          fsname=NAME            the source shown by mount(8) and df (default: minifo)
          subtype=NAME           the type shown as fuse.NAME (default: minifo)
          threads=N              worker threads (default 4)
          timeout=SECONDS        kernel cache time of names, attributes, listings (60 s)
          nopassthrough          serve reads from the daemon instead of FUSE passthrough
          coherent               read-only descriptors see a later copy-up
          adopt_base             use a storage directory made for another base
          debug                  log each session event to standard error
        """

    var text: String {
        switch self {
        case .storage:
            return """
                The storage directory

                A minifo mount shows a read-only BASE with the changes kept in STORAGE applied.
                BASE is never written. STORAGE holds every change:

                  - Created and changed files, directories, links and devices, at the same
                    paths as in the mount. A base file is copied up (whole, holes kept, with
                    its mode, owner, times and xattrs) the first time it is written.
                  - META_dAfFgHE39ktF3HD2sr, the META file: what plain files cannot say.
                    Deleted base objects (whiteouts), directories that hide their base contents
                    (opaque), renamed base directories (a redirect to where their base part
                    stays, so a rename copies nothing), mode/owner/time/xattr changes of base
                    objects made without copying data, and inode numbers. Its header names the
                    base it was made for; each record carries a checksum. The format is in
                    docs/meta-format.md.
                  - META_dAfFgHE39ktF3HD2sr.work and .links: where copies are built before they
                    are renamed into place, and the copies of hard-linked base files.

                None of these shows in the mount. Rules:

                  - Change STORAGE only through a mount; never edit it while it is mounted.
                  - STORAGE is mounted read-write once at a time, or read-only any number of
                    times; another mount of it is refused while it is in use.
                  - One storage directory belongs to one base. Mounting it with another base is
                    refused unless -o adopt_base (the META file then names the new base).
                  - STORAGE and BASE must not contain each other, nor the mount point.
                  - To start afresh, 'minifo revert STORAGE /' (mounted or not), or unmount
                    and empty STORAGE. To keep the changes, copy STORAGE (e.g. with tar) while
                    it is not mounted, or apply them to BASE with 'minifo merge STORAGE'.
                  - A storage directory written by the original mini_fo kernel module (a META
                    file of "D name" and "R old-base-path name" lines in each directory) is
                    converted in place by 'minifo import-legacy --base BASE STORAGE', which
                    keeps the old META files in a backup directory.
                """
        case .options:
            return """
                Mount options

                \(Self.mountOptions)

                The mount(8) form (see 'minifo help fstab') also takes:
                  storage=DIR, sto=DIR, upperdir=DIR   the storage directory (required)
                  base=DIR, lowerdir=DIR               the base (the source is then a label)
                  workdir=DIR                          checked to be a directory, not used
                and ignores defaults, auto, noauto, nofail, _netdev, user, users, owner,
                group, comment= and x-*, which only mount(8), fstab and systemd act on.

                An unknown option is refused with one line naming it, and nothing is mounted.
                """
        case .fstab:
            return """
                Mounting with mount(8) and /etc/fstab

                  mount -t fuse.minifo BASE MOUNTPOINT -o storage=DIR[,OPTIONS]

                  # /etc/fstab
                  BASE  MOUNTPOINT  fuse.minifo  storage=DIR,nofail  0  0

                For type fuse.minifo, mount(8) runs mount.fuse3 (package fuse3), which runs
                'minifo BASE MOUNTPOINT -o rw,storage=DIR,...' through /bin/sh with the
                shell's default PATH: minifo must be installed in /usr/local/bin, /usr/bin or
                /bin. mount.fuse3 adds dev,suid unless nodev or nosuid is given, drops nofail,
                _netdev, auto, noauto, user and users, and runs minifo as another user with
                setuid=USER. drop_privileges is not supported.

                Type minifo needs no fuse3: mount(8) runs /sbin/mount.minifo, a link to minifo
                that scripts/install.sh makes:

                  mount -t minifo -o base=/rom,sto=/overlay /rom /mnt      # mini_fo's names
                  /rom  /mnt  minifo  sto=/overlay  0  0

                The same form works without mount(8), as tools that start fuse-overlayfs do:

                  minifo BASE MOUNTPOINT -o storage=DIR
                  minifo -o lowerdir=BASE,upperdir=DIR,workdir=WORK MOUNTPOINT

                The command returns once the mount is ready; the daemon serves in the
                background. The source given is shown by mount(8) and df (fsname= changes it),
                so 'mount -a' sees an entry that is mounted already. Unmount with
                'umount MOUNTPOINT' or 'minifo umount MOUNTPOINT'.
                """
        }
    }
}
