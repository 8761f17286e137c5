package dev.dormouse.idlewatcher;

import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;

/**
 * Performs the container actions the idle watcher decides on. The watcher decides <em>when</em>; this
 * does it (and, with the runtime manager, records it). Calls block; they run on virtual threads.
 */
public interface Lifecycle {
    /** Container actions. */
    enum Op {
        START, UNPAUSE, STOP, PAUSE, KILL
    }

    /**
     * Performs {@code op} on {@code container} of {@code provider} for {@code route}.
     *
     * @throws dev.dormouse.core.spi.ProviderException when the provider fails
     */
    void perform(String route, Provider provider, String container, Op op, IdleConfig idle, OpSource source);

    /** Calls the provider directly, recording nothing. */
    static Lifecycle direct() {
        return (route, provider, container, op, idle, source) -> {
            switch (op) {
                case START -> provider.start(container);
                case UNPAUSE -> provider.unpause(container);
                case STOP -> provider.stop(container, idle.stopSignal(), idle.stopTimeout());
                case PAUSE -> provider.pause(container);
                case KILL -> provider.kill(container, idle.stopSignal());
            }
        };
    }
}
