package dev.dormouse.rtmanager;

import dev.dormouse.core.DormouseException;

/**
 * The runtime manager's failure base: the database (messages name the file and the action), an unknown
 * runtime or provider, or a lifecycle action refused. Provider failures stay {@link
 * dev.dormouse.core.spi.ProviderException}s.
 */
public class RuntimeManagerException extends DormouseException {
    public RuntimeManagerException(String message) {
        super(message);
    }

    public RuntimeManagerException(String message, Throwable cause) {
        super(message, cause);
    }
}
