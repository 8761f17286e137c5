package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * A daemon stand-in for the crash test: performs lifecycle actions on two runtimes against a fake
 * provider that writes its containers to a state file after every change, until it is killed.
 *
 * <p>Arguments: data dir, state file, number of actions.
 */
public final class CrashChild {
    static final List<OpKind> CYCLE = List.of(OpKind.START, OpKind.START, OpKind.PAUSE, OpKind.UNPAUSE, OpKind.STOP, OpKind.KILL, OpKind.START,
            OpKind.KILL);

    public static void main(String[] args) {
        Path data = Path.of(args[0]);
        Path state = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        String run = UUID.randomUUID().toString().substring(0, 8);
        FakeProvider docker = new FakeProvider();
        docker.stateFile = Optional.of(state);
        docker.with("app", ContainerStatus.STOPPED, "app-" + run).with("db", ContainerStatus.STOPPED, "db-" + run);
        // The fake engine's own artificial operation latency, so the parent's kill lands mid-operation.
        docker.during = () -> LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        LifecycleService s = new LifecycleService(new LifecycleService.Deps(RuntimeStore.open(data), Map.of("docker:local", docker),
                Clock.systemUTC()));
        s.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty()),
                new RuntimeSpec("db", "docker:local", "db", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        for (int i = 0; i < n; i++) {
            s.perform(i % 2 == 0 ? "app" : "db", CYCLE.get((i / 2) % CYCLE.size()), OpSource.ADMIN);
        }
        System.out.println("done " + n);
    }
}
