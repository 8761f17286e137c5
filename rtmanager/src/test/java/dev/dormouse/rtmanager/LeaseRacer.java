package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One of two processes racing for one runtime's lease. Each provider action appends {@code B pid} and,
 * a moment later, {@code E pid} to a shared journal, so actions of two processes that overlapped would
 * show as interleaved lines. Starts when the go file appears, so both race from the first attempt,
 * and pauses a random moment between attempts, so each process both wins and loses; prints its outcome
 * counts at the end.
 *
 * <p>Arguments: data dir, journal file, number of attempts, ready file to create, go file to wait for.
 */
public final class LeaseRacer {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        Path journal = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        Path ready = Path.of(args[3]);
        Path go = Path.of(args[4]);
        long pid = ProcessHandle.current().pid();
        FakeProvider docker = new FakeProvider().with("app", ContainerStatus.STOPPED);
        docker.during = () -> {
            write(journal, "B " + pid);
            // The fake engine's own artificial operation latency, so the racers overlap.
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            write(journal, "E " + pid);
        };
        LifecycleService s = new LifecycleService(new LifecycleService.Deps(RuntimeStore.open(data), Map.of("docker:local", docker),
                Clock.systemUTC()));
        s.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        Files.createFile(ready);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(go)) {
            // Deadline of a wait for the parent's go file: the condition, not a timer of the code.
            if (System.nanoTime() > deadline) throw new IllegalStateException("no go file after 60 s");
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
        int success = 0;
        int replay = 0;
        int conflict = 0;
        for (int i = 0; i < n; i++) {
            try {
                Operation op = s.perform("app", i % 2 == 0 ? OpKind.START : OpKind.STOP, OpSource.ADMIN);
                if (op.outcome() == Outcome.SUCCESS) success++;
                else replay++;
            } catch (RuntimeConflictException e) {
                conflict++;
            }
            // Without a pause the holder would take the lease again at once, every time, and one process would win every race.
            // Random jitter between racing processes, the race's own, not a timer of the code.
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(Duration.ofMillis(3).toNanos()));
        }
        System.out.println("result success=" + success + " replay=" + replay + " conflict=" + conflict);
    }

    static void write(Path journal, String line) {
        try {
            Files.writeString(journal, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
