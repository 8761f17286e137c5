package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A second process for the lease tests: performs lifecycle actions on one runtime in a loop. Each action
 * appends {@code B pid} and, a moment later, {@code E pid} to a journal file, so overlapping actions of
 * two processes would show as interleaved lines.
 *
 * <p>Arguments: data dir, journal file, number of actions.
 */
public final class LeaseRacer {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        Path journal = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        long pid = ProcessHandle.current().pid();
        FakeProvider docker = new FakeProvider().with("app", ContainerStatus.STOPPED);
        docker.during = () -> {
            write(journal, "B " + pid);
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            write(journal, "E " + pid);
        };
        RuntimeStore store = RuntimeStore.open(data);
        LifecycleService s = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), Clock.systemUTC()));
        s.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        for (int i = 0; i < n; i++) {
            try {
                s.perform("app", i % 2 == 0 ? OpKind.START : OpKind.STOP, OpSource.ADMIN);
            } catch (RuntimeConflictException e) {
                // the other process had it; logged as conflict
            }
        }
    }

    static void write(Path journal, String line) {
        try {
            Files.writeString(journal, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
