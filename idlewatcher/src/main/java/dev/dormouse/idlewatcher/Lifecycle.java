package dev.dormouse.idlewatcher;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;

/**
 * Performs the container actions the idle watcher decides on: the watcher decides <em>when</em>, this does
 * it (the runtime manager, which records each action, knows which container of which provider a route
 * is, and waits out a moment's conflict with another actor). Calls block; they run on virtual threads.
 */
@FunctionalInterface
public interface Lifecycle {
    /**
     * Performs {@code action} ({@code START}, {@code UNPAUSE}, {@code STOP}, {@code PAUSE} or {@code KILL})
     * on the container of {@code route}.
     *
     * @throws dev.dormouse.core.DormouseException when the action fails or is refused
     */
    void perform(String route, Provider.Action action, OpSource source);
}
