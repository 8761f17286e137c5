package dev.dormouse.rtmanager;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A process as a lease names it: the machine ({@code /etc/machine-id}), the host's boot (the kernel's
 * {@code boot_id}, new at every boot and the same inside containers of that host), the pid namespace,
 * the pid, and the process's start time in clock ticks since boot ({@code /proc/<pid>/stat} field 22).
 * Together they tell at once whether a lease's holder still exists: on the same boot and in the same pid
 * namespace, a pid that is gone, or that now belongs to a process started at another time, is a dead
 * holder; so is a holder of an earlier boot of the same machine (a power loss). A holder on another host,
 * in another pid namespace, or on a system without {@code /proc} cannot be judged and is {@link
 * Liveness#UNKNOWN}: its lease is respected until it expires.
 *
 * @param machineId empty when unknown (a container without {@code /etc/machine-id})
 * @param bootId empty when unknown
 * @param pidNamespace e.g. {@code pid:[4026531836]}; empty when unknown
 * @param startTicks 0 when unknown
 */
record ProcessIdentity(String machineId, String bootId, String pidNamespace, long pid, long startTicks) {
    ProcessIdentity {
        Objects.requireNonNull(machineId, "machineId");
        Objects.requireNonNull(bootId, "bootId");
        Objects.requireNonNull(pidNamespace, "pidNamespace");
    }

    /** A process named by no machine: judged only on the same boot. */
    ProcessIdentity(String bootId, String pidNamespace, long pid, long startTicks) {
        this("", bootId, pidNamespace, pid, startTicks);
    }

    /** Whether a lease holder still exists, as far as this process can tell. */
    enum Liveness {
        ALIVE, DEAD, UNKNOWN
    }

    private static final Path PROC = Path.of("/proc");

    /** This process, read from {@code /proc}; the fields it cannot read are left empty. */
    static ProcessIdentity current() {
        long pid = ProcessHandle.current().pid();
        String machine = read(Path.of("/etc/machine-id"));
        return new ProcessIdentity(machine.matches("[0-9a-f]{32}") ? machine : "", read(PROC.resolve("sys/kernel/random/boot_id")),
                namespace(PROC.resolve("self/ns/pid")), pid, startTicks(PROC.resolve("self/stat")).orElse(0));
    }

    /** Whether this identity names a holder that can be judged: boot, namespace and start time known. */
    boolean known() {
        return !bootId.isEmpty() && !pidNamespace.isEmpty() && pid > 0 && startTicks > 0;
    }

    /**
     * Whether {@code holder} still exists, judged from this process: {@code DEAD} when it ran on an earlier
     * boot of this machine; otherwise {@code UNKNOWN} unless both are known and share the boot and the pid
     * namespace; then {@code DEAD} when its pid is gone or started at another time.
     */
    Liveness judge(ProcessIdentity holder) {
        if (!machineId.isEmpty() && machineId.equals(holder.machineId) && !bootId.isEmpty() && !holder.bootId.isEmpty()
                && !bootId.equals(holder.bootId)) {
            return Liveness.DEAD;
        }
        if (!known() || !holder.known() || !bootId.equals(holder.bootId) || !pidNamespace.equals(holder.pidNamespace)) {
            return Liveness.UNKNOWN;
        }
        if (holder.pid == pid) return holder.startTicks == startTicks ? Liveness.ALIVE : Liveness.DEAD;
        OptionalLong start = startTicks(PROC.resolve(Long.toString(holder.pid)).resolve("stat"));
        return start.isPresent() && start.getAsLong() == holder.startTicks ? Liveness.ALIVE : Liveness.DEAD;
    }

    /** The start time of a live process on this host in clock ticks since boot, empty when it is gone. */
    static OptionalLong startTicksOf(long pid) {
        return startTicks(PROC.resolve(Long.toString(pid)).resolve("stat"));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII).strip();
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static String namespace(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "";
        }
    }

    /**
     * Field 22 of a {@code stat} file. The second field, the command in parentheses, may hold spaces and
     * parentheses itself, so fields are counted from the last {@code ')'}.
     */
    static OptionalLong startTicks(Path stat) {
        String s = read(stat);
        int close = s.lastIndexOf(')');
        if (close < 0) return OptionalLong.empty();
        String[] rest = s.substring(close + 1).strip().split(" +");
        // rest[0] is field 3 (state), so field 22 is rest[19].
        if (rest.length < 20) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(rest[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
