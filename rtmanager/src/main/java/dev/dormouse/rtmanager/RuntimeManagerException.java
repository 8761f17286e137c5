package dev.dormouse.rtmanager;

import dev.dormouse.core.DormouseException;

/** A runtime-manager failure: the database, or a lifecycle action refused. */
public class RuntimeManagerException extends DormouseException {
    public RuntimeManagerException(String message) {
        super(message);
    }

    public RuntimeManagerException(String message, Throwable cause) {
        super(message, cause);
    }
}
