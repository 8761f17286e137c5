package dev.dormouse.watcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.testkit.ManualScheduler;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RouteSourcesTest {
    /** A labels provider whose containers the test sets; listing fails while {@code failing} is set. */
    static final class Listed implements Provider {
        volatile List<ContainerState> containers = List.of();
        volatile boolean failing;
        final AtomicInteger listings = new AtomicInteger();
        final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();

        @Override
        public List<ContainerState> list() {
            listings.incrementAndGet();
            if (failing) throw new IllegalStateException("docker local: list containers: engine away");
            return containers;
        }

        void event(String container) {
            ContainerEvent e = new ContainerEvent("local", "id-" + container, container, ContainerEvent.Action.START, Instant.now(), Map.of());
            listeners.forEach(l -> l.accept(e));
        }

        @Override
        public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        @Override
        public String name() {
            return "local";
        }

        @Override
        public String kind() {
            return "docker";
        }

        @Override
        public ContainerState inspect(String container) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void start(String container) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void stop(String container, String signal, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void kill(String container, String signal) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pause(String container) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void unpause(String container) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void remove(String container) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    private static final ProviderConfig LOCAL = new LabelRoutesTest.Labelled("docker", "local");
    private static final DormouseConfig FILE = ConfigLoader.parse(new StringReader(
            "routes:\n  - {name: file, hosts: [file.t], target: 'http://10.0.0.1:80'}\n"), "t.yml", Path.of("."), Path.of("t.yml"));
    /** The file's routes, with the docker provider {@code local} declaring routes with labels. */
    private static final DormouseConfig CONFIG = new DormouseConfig(FILE.source(), FILE.server(), FILE.tls(), List.of(LOCAL),
            FILE.notifications(), FILE.runtime(), FILE.routes(), FILE.defaultIdle(), FILE.defaultHealthcheck());

    private final ManualScheduler time = new ManualScheduler();
    private final Listed docker = new Listed();
    private final AtomicInteger applied = new AtomicInteger();

    private RouteSources sources() {
        return new RouteSources(new RouteSources.Deps(CONFIG.providers(), Map.of("docker:local", docker), Duration.ofMillis(300), time,
                applied::incrementAndGet));
    }

    private static ContainerState labelled(String name, String host) {
        return LabelRoutesTest.container(name, ContainerStatus.STOPPED, "", "dormouse.enable", "true", "dormouse.hosts", host, "dormouse.port", "80");
    }

    private static List<String> names(RouteSet.Result r) {
        return r.accepted().stream().map(RouteConfig::name).toList();
    }

    @Test
    void theFileRoutesAndTheLabelRoutesOfTheLastListingMergeAndABatchOfEventsRelistsOnce() {
        docker.containers = List.of(labelled("a", "a.t"));
        try (RouteSources s = sources().list().follow()) {
            assertEquals(List.of("file", "a"), names(s.merge(CONFIG)));
            assertTrue(s.settled());
            docker.containers = List.of(labelled("a", "a.t"), labelled("b", "b.t"), labelled("clash", "file.t"));
            for (int i = 0; i < 100; i++) docker.event("b");
            assertTrue(!s.settled(), "events wait for their window");
            time.advance(Duration.ofMillis(300));
            EventBatcherTest.await("one rebuild for the batch", () -> applied.get() == 1 && s.settled());
            assertEquals(2, docker.listings.get(), "the start's listing and one for the whole batch");
            assertEquals(100, s.events());
            assertEquals(1, s.rebuilds());
            RouteSet.Result merged = s.merge(CONFIG);
            assertEquals(List.of("file", "a", "b"), names(merged));
            assertEquals(List.of("clash"), merged.rejected().stream().map(x -> x.route().name()).toList(), "a label route may not take a file route's host");
        }
    }

    @Test
    void aFailedListingKeepsTheLastOne() {
        docker.containers = List.of(labelled("a", "a.t"));
        try (RouteSources s = sources().list().follow()) {
            docker.failing = true;
            docker.event("a");
            time.advance(Duration.ofMillis(300));
            EventBatcherTest.await("the batch applied", () -> applied.get() == 1);
            assertEquals(List.of("file", "a"), names(s.merge(CONFIG)), "the routes of the last good listing");
        }
    }

    @Test
    void withoutLabelsProvidersTheFileRoutesAreAllAndNothingIsFollowed() {
        RouteSources s = new RouteSources(new RouteSources.Deps(FILE.providers(), Map.of("docker:local", docker), Duration.ofMillis(300), time,
                applied::incrementAndGet)).list().follow();
        assertEquals(List.of("file"), names(s.merge(FILE)));
        assertEquals(0, docker.listings.get());
        assertEquals(0, docker.listeners.size());
        s.close();
    }

    @Test
    void theFirstLabelsProviderNamesRoutesAfterTheirContainersAndTheOthersAddTheirName() {
        ProviderConfig far = new LabelRoutesTest.Labelled("docker", "far");
        Listed other = new Listed();
        DormouseConfig two = new DormouseConfig(FILE.source(), FILE.server(), FILE.tls(), List.of(LOCAL, far), FILE.notifications(),
                FILE.runtime(), FILE.routes(), FILE.defaultIdle(), FILE.defaultHealthcheck());
        docker.containers = List.of(labelled("web", "web.t"));
        other.containers = List.of(labelled("web", "web.far.t"));
        try (RouteSources s = new RouteSources(new RouteSources.Deps(two.providers(), Map.of("docker:local", docker, "docker:far", other),
                Duration.ofMillis(300), time, applied::incrementAndGet)).list()) {
            assertEquals(java.util.Set.of("file", "web", "web-far"), java.util.Set.copyOf(names(s.merge(two))), "the same container name on two engines gives two routes");
        }
    }
}
