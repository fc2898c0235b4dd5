import FUSETransport
import MinifoSystem
import OverlayCore

/// Mounts an overlay and serves it until it is unmounted: by `umount`, `minifo umount`, or a
/// SIGINT, SIGTERM or SIGHUP, on which the daemon detaches the mount itself.
public enum Daemon {
    /// Runs to the end of the session and returns the exit status. Once the mount is ready, or
    /// if it fails, one line goes to `readyFD` ("ok", or the error message) and it is closed.
    public static func run(_ configuration: MountConfiguration, readyFD: Int32?) -> Int32 {
        Log.configure(program: "minifo", debug: configuration.debug)
        let stop = SignalSet([SignalSet.interrupt, SignalSet.terminate, SignalSet.hangup, SignalSet.user1])
        stop.block()
        SignalSet([SignalSet.pipe]).block()

        let fileSystem: OverlayFileSystem
        let device: Int32
        let storageLock: StorageLock
        do {
            // The daemon of a mount that was just unmounted holds the lock until it has synced
            // META and exited, which `umount` does not wait for.
            storageLock = try StorageLock(storage: configuration.storage, exclusive: !configuration.request.readOnly,
                                          patience: 5000)
        } catch {
            switch error {
            case .inUse:
                return fail("the storage directory \(configuration.storage) is in use: mounted elsewhere"
                    + (configuration.request.readOnly ? " read-write" : "")
                    + ", or being changed by `minifo check --repair`, `revert` or `merge`; unmount it or wait for that to finish",
                    readyFD: readyFD)
            case .unsafe(let problem):
                return fail(problem.description, readyFD: readyFD)
            case .io(let errno):
                return fail("cannot open the storage directory \(configuration.storage): \(errno)", readyFD: readyFD)
            }
        }
        let control = ControlServer.listen(in: storageLock.workDirectory, storage: configuration.storage)
        do {
            let overlay = try Overlay(base: configuration.base, storage: configuration.storage,
                                      adoptBase: configuration.adoptBase, readOnly: configuration.request.readOnly)
            for warning in overlay.meta.warnings { Log.warning(warning) }
            fileSystem = try OverlayFileSystem(overlay: overlay, cacheTimeout: configuration.cacheTimeout,
                                               passthrough: configuration.passthrough, coherent: configuration.coherent)
            device = try FUSEMount.mount(configuration.request)
        } catch let error as MountError {
            return fail(error.description, readyFD: readyFD)
        } catch let error as OverlayError {
            return fail(error.description, readyFD: readyFD)
        } catch {
            return fail("cannot open \(configuration.base) and \(configuration.storage): \(error)", readyFD: readyFD)
        }
        Log.debug("mounted \(configuration.base) + \(configuration.storage) on \(configuration.mountPoint)")
        if let readyFD { report("ok", to: readyFD) }
        ResidentMemory.dropStartupPages()

        let mountPoint = configuration.mountPoint
        let watcher: Thread
        do {
            watcher = try Thread.spawn {
                let signal = stop.wait()
                if signal != SignalSet.user1 {
                    Log.debug("signal \(signal): unmounting \(mountPoint)")
                    do { try FUSEMount.unmount(mountPoint, lazy: true) } catch { Log.error("\(error)") }
                }
            }
        } catch {
            try? FUSEMount.unmount(mountPoint, lazy: true)
            return 1
        }

        let session = Session(deviceFD: device, handler: fileSystem)
        var controlThread: Thread?
        do {
            controlThread = try control?.start(fileSystem, session: session, readOnly: configuration.request.readOnly)
        } catch {
            Log.warning("no control channel: \(error); `minifo revert` cannot reach this mount")
        }
        var status: Int32 = 0
        do {
            try session.run(workers: configuration.workers)
        } catch {
            Log.error("cannot start worker threads: \(error); unmounting")
            try? FUSEMount.unmount(mountPoint, lazy: true)
            status = 1
        }
        control?.stop()
        controlThread?.join()
        watcher.signal(SignalSet.user1)
        watcher.join()
        if !configuration.request.readOnly {
            do { try fileSystem.overlay.meta.sync() } catch { Log.error("cannot sync the META file: \(error)") }
        }
        close(device)
        withExtendedLifetime(storageLock) {}
        Log.debug("session ended")
        return status
    }

    private static func fail(_ message: String, readyFD: Int32?) -> Int32 {
        if let readyFD {
            report(message, to: readyFD)
        } else {
            Log.error(message)
        }
        return 1
    }

    private static func report(_ line: String, to fd: Int32) {
        _ = try? write(fd, Array((line + "\n").utf8))
        close(fd)
    }
}
