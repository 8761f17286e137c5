package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;

/** An idle-watcher action that cannot be done, e.g. sleeping a route whose container is missing. */
public final class IdleWatcherException extends DormouseException {
    public IdleWatcherException(String message) {
        super(message);
    }
}
