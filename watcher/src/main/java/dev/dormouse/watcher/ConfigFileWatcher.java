package dev.dormouse.watcher;

import dev.dormouse.core.Scheduler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Watches the config file and calls back once its content has changed and then stayed unchanged for a
 * short quiet period on the injected scheduler (editors write in several steps, or replace the file by
 * renaming a new one over it).
 * The directory is watched rather than the file, so a replaced file is still seen; a write that leaves
 * the content as it was causes no callback.
 */
public final class ConfigFileWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.watcher.config");

    /**
     * @param file the config file
     * @param quiet how long the file must stay unchanged before {@code changed} runs
     * @param scheduler the quiet period
     * @param changed called on a virtual thread, one call at a time; may block
     */
    public record Deps(Path file, Duration quiet, Scheduler scheduler, Runnable changed) {
        public Deps {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(changed, "changed");
            if (quiet == null || quiet.isNegative()) throw new IllegalArgumentException("quiet must be >= 0, got " + quiet);
            file = file.toAbsolutePath().normalize();
        }
    }

    private final Deps deps;
    private final WatchService service;
    private volatile boolean closed;
    private volatile byte[] digest;
    private Thread thread;
    /** The quiet period under way, re-armed by every touch of the file; guarded by this object's lock. */
    private Scheduler.Scheduled quiet;
    private final java.util.concurrent.locks.ReentrantLock checking = new java.util.concurrent.locks.ReentrantLock();

    public ConfigFileWatcher(Deps deps) throws IOException {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.service = FileSystems.getDefault().newWatchService();
        try {
            deps.file().getParent().register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        this.digest = digest();
    }

    public synchronized ConfigFileWatcher start() {
        if (thread == null) thread = Thread.ofVirtual().name("config-watch").start(this::loop);
        return this;
    }

    private void loop() {
        try {
            while (!closed) {
                WatchKey key = service.take();
                boolean ours = touchesFile(key);
                key.reset();
                if (ours) touched();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** Debounce: every touch starts the quiet period over; only its end looks at the content. */
    private synchronized void touched() {
        if (closed) return;
        if (quiet != null) quiet.cancel();
        quiet = deps.scheduler().schedule(() -> Thread.ofVirtual().name("config-watch-check").start(this::check), deps.quiet());
    }

    /**
     * The file stayed untouched for the quiet period: calls back when its content changed. One check at a
     * time, under its own lock, never this object's: the callback may call {@link #loaded()}.
     */
    private void check() {
        checking.lock();
        try {
            if (closed) return;
            byte[] now = digest();
            if (now == null || Arrays.equals(now, digest)) return;
            digest = now;
            deps.changed().run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "config " + deps.file() + ": reload failed", e);
        } finally {
            checking.unlock();
        }
    }

    private boolean touchesFile(WatchKey key) {
        boolean ours = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW) ours = true;
            else if (e.context() instanceof Path p && p.getFileName().equals(deps.file().getFileName())) ours = true;
        }
        return ours;
    }

    /** SHA-256 of the file, null while it is missing or unreadable (mid-replace). */
    private byte[] digest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(deps.file()));
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tells the watcher the file's current content was loaded (e.g. by SIGHUP), so it is not reloaded again. */
    public synchronized void loaded() {
        byte[] now = digest();
        if (now != null) digest = now;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (quiet != null) quiet.cancel();
        }
        try {
            service.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
